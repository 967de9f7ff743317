//! Percentiles and medians of measurements.

use std::time::Duration;

/// The `p`th percentile (nearest rank) of `samples`, in milliseconds; 0 when empty.
pub fn percentile_ms(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    nearest_rank(samples, p).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// The `p`th percentile (nearest rank) of sorted `samples`.
pub fn nearest_rank<T: Copy>(sorted: &[T], p: f64) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let data = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
        assert_eq!(nearest_rank(&data, 50.0), Some(5));
        assert_eq!(nearest_rank(&data, 95.0), Some(10));
        assert_eq!(nearest_rank(&data, 0.0), Some(1));
        assert_eq!(nearest_rank::<u8>(&[], 50.0), None);
    }
}
