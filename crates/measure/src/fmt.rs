//! How the report writes numbers: three significant digits, signed
//! differences, ratios. Shared by the tables, the charts and the README
//! blocks, so that a figure reads the same everywhere.

/// A number with three significant digits, without exponent for everyday sizes.
pub fn short_number(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 || !a.is_finite() {
        format!("{v}")
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// A value for an axis label: three significant digits with a k/M suffix.
pub fn axis_number(v: f64) -> String {
    let a = v.abs();
    if a >= 1e6 {
        format!("{}M", short_number(v / 1e6))
    } else if a >= 1e4 {
        format!("{}k", short_number(v / 1e3))
    } else {
        short_number(v)
    }
}

/// A difference with its sign: `+3.50`, `−12.0` (a true minus sign).
pub fn signed(v: f64) -> String {
    if v >= 0.0 {
        format!("+{}", short_number(v))
    } else {
        format!("−{}", short_number(-v))
    }
}

/// A ratio: `×1.23`, or `–` when there is none.
pub fn ratio(r: f64) -> String {
    if r.is_finite() {
        format!("×{r:.2}")
    } else {
        "–".into()
    }
}

/// A min–max spread: `95.0 – 110`.
pub fn spread(low: f64, high: f64) -> String {
    format!("{} – {}", short_number(low), short_number(high))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_three_significant_digits() {
        assert_eq!(short_number(1234.5), "1234");
        assert_eq!(short_number(12.345), "12.3");
        assert_eq!(short_number(1.2345), "1.23");
        assert_eq!(short_number(0.12345), "0.123");
        assert_eq!(axis_number(25_000.0), "25.0k");
        assert_eq!(axis_number(2_500_000.0), "2.50M");
        assert_eq!(signed(-3.5), "−3.50");
        assert_eq!(signed(3.5), "+3.50");
        assert_eq!(ratio(f64::NAN), "–");
        assert_eq!(ratio(1.234), "×1.23");
        assert_eq!(spread(95.0, 110.0), "95.0 – 110");
    }
}
