-- Phone codes: the abuse limits count codes per source address and all text and call codes of
-- the last hour, besides the per-account and per-destination counts codes already have.
alter table one_time_code add column requested_from text;   -- the client's IP address, if known
create index one_time_code_requested_from_idx on one_time_code (requested_from, created_at);
create index one_time_code_channel_idx on one_time_code (channel, created_at);
