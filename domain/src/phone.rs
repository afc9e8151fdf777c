//! Vietnamese mobile numbers as citizens type them at a kiosk: the one rule the kiosk checks before
//! sending and the server checks before keeping (`POST /api/v1/tickets/{id}/reminder`).

/// A Vietnamese mobile number in E.164 (`+84…`), from what a citizen typed: `0903 123 456`,
/// `+84 903-123-456`, `84903123456`.
pub fn normalize_mobile(typed: &str) -> Option<String> {
    if typed.chars().count() > 24 {
        return None;
    }
    let kept: String = typed.chars().filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')')).collect();
    let digits = kept.strip_prefix('+').unwrap_or(&kept);
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let national = if let Some(rest) = digits.strip_prefix("84").filter(|r| r.len() == 9) {
        rest
    } else if let Some(rest) = digits.strip_prefix('0').filter(|r| r.len() == 9) {
        if kept.starts_with('+') {
            return None;
        }
        rest
    } else {
        return None;
    };
    // Mobile prefixes (03x, 05x, 07x, 08x, 09x since the 2018 renumbering).
    matches!(national.as_bytes()[0], b'3' | b'5' | b'7' | b'8' | b'9').then(|| format!("+84{national}"))
}

/// A normalised number as shown back to its owner on a screen: `09•••••456`.
pub fn masked(phone: &str) -> String {
    let national = phone.strip_prefix("+84").unwrap_or(phone);
    let tail: String = national.chars().skip(national.len().saturating_sub(3)).collect();
    format!("0{}•••••{tail}", national.chars().take(1).collect::<String>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_as_citizens_type_them() {
        for typed in ["0903123456", "0903 123 456", "090-312-3456", "+84903123456", "+84 903 123 456", "84903123456"] {
            assert_eq!(normalize_mobile(typed).as_deref(), Some("+84903123456"), "{typed}");
        }
        assert_eq!(normalize_mobile("0356 789 012").as_deref(), Some("+84356789012"));
        for bad in [
            "",
            "12345",
            "0203123456",
            "+840903123456",
            "09031234567",
            "0903abc456",
            "090312345",
            "x".repeat(30).as_str(),
        ] {
            assert_eq!(normalize_mobile(bad), None, "{bad}");
        }
        assert_eq!(masked("+84903123456"), "09•••••456");
    }
}
