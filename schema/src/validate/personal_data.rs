//! The personal-data guard for free text: national identity numbers and phone numbers.
//!
//! Free text is the main way personal data leaks into records that must stay non-identifying,
//! so text that looks like either is refused outright and the user is told why.

/// What a piece of text appears to contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonalData {
    /// Eleven digits that pass the check digits of a fødselsnummer, D-number or H-number.
    IdentityNumber,
    /// A Norwegian phone number: `+47`/`0047` and eight digits, or eight digits starting with 4
    /// or 9 (mobile), or eight digits written in the usual groups (`71 23 45 67`).
    PhoneNumber,
}

/// Finds the first thing in `text` that looks like personal data.
pub fn find(text: &str) -> Option<PersonalData> {
    let numbers = digit_groups(text);
    if numbers.iter().any(|n| contains_identity_number(&n.digits)) {
        return Some(PersonalData::IdentityNumber);
    }
    numbers
        .iter()
        .any(is_phone_number)
        .then_some(PersonalData::PhoneNumber)
}

/// A number as written: its digits and how they were grouped by spaces, dots or dashes.
#[derive(Debug, Default)]
struct WrittenNumber {
    digits: String,
    groups: Vec<usize>,
    plus: bool,
}

/// Splits text into numbers, joining digit groups separated by one space, dot or dash.
fn digit_groups(text: &str) -> Vec<WrittenNumber> {
    let chars: Vec<char> = text.chars().collect();
    let mut numbers = Vec::new();
    let mut current = WrittenNumber::default();
    let mut group = 0;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            if current.digits.is_empty() && i > 0 && chars[i - 1] == '+' {
                current.plus = true;
            }
            current.digits.push(c);
            group += 1;
        } else if group > 0
            && matches!(c, ' ' | '.' | '-' | '\u{a0}')
            && chars.get(i + 1).is_some_and(|n| n.is_ascii_digit())
        {
            current.groups.push(group);
            group = 0;
        } else if group > 0 {
            current.groups.push(group);
            group = 0;
            numbers.push(std::mem::take(&mut current));
        }
        i += 1;
    }
    if group > 0 {
        current.groups.push(group);
        numbers.push(current);
    }
    numbers
}

/// Any eleven consecutive digits that form a valid identity number.
fn contains_identity_number(digits: &str) -> bool {
    let digits: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    digits.len() >= 11 && digits.windows(11).any(is_identity_number)
}

/// Fødselsnummer, D-number (day + 40) and H-number (month + 40), including the synthetic
/// test numbers (month + 80): both modulus-11 check digits and a plausible day and month.
pub fn is_identity_number(d: &[u32]) -> bool {
    if d.len() != 11 {
        return false;
    }
    let check = |weights: &[u32]| -> Option<u32> {
        let sum: u32 = weights.iter().zip(d).map(|(w, x)| w * x).sum();
        match 11 - sum % 11 {
            11 => Some(0),
            10 => None,
            k => Some(k),
        }
    };
    let k1 = check(&[3, 7, 6, 1, 8, 9, 4, 5, 2]);
    let k2 = check(&[5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
    if k1 != Some(d[9]) || k2 != Some(d[10]) {
        return false;
    }
    let day = (d[0] * 10 + d[1]) % 40;
    let month = (d[2] * 10 + d[3]) % 40;
    (1..=31).contains(&day) && (1..=12).contains(&month)
}

fn is_phone_number(number: &WrittenNumber) -> bool {
    let digits = number.digits.as_str();
    let national = if number.plus && digits.len() == 10 && digits.starts_with("47") {
        &digits[2..]
    } else if digits.len() == 12 && digits.starts_with("0047") {
        &digits[4..]
    } else {
        digits
    };
    if national.len() != 8 || national.starts_with('0') || national.starts_with('1') {
        return false;
    }
    let prefixed = national.len() != digits.len();
    let mobile = national.starts_with('4') || national.starts_with('9');
    let grouped = matches!(number.groups.as_slice(), [2, 2, 2, 2] | [3, 2, 3] | [3, 5]);
    prefixed || mobile || grouped
}

#[cfg(test)]
mod tests {
    use super::*;

    // Synthetic numbers built to pass the check digits; none belongs to a person.
    const FNR: &str = "01010150074";

    fn digits(s: &str) -> Vec<u32> {
        s.chars().filter_map(|c| c.to_digit(10)).collect()
    }

    #[test]
    fn recognises_valid_identity_numbers() {
        assert!(is_identity_number(&digits(FNR)));
        assert_eq!(
            find(&format!("Pasient {FNR} ble funnet")),
            Some(PersonalData::IdentityNumber)
        );
        assert_eq!(
            find("fnr 010101 50074."),
            Some(PersonalData::IdentityNumber)
        );
        assert_eq!(
            find(&format!("x{FNR}y")),
            Some(PersonalData::IdentityNumber)
        );
    }

    #[test]
    fn recognises_d_numbers() {
        // A D-number: day + 40.
        assert!(is_identity_number(&digits("41010150068")));
        assert_eq!(find("d-nr 41010150068"), Some(PersonalData::IdentityNumber));
    }

    #[test]
    fn ignores_eleven_digits_that_fail_the_check() {
        assert!(!is_identity_number(&digits("01010150075")));
        assert_eq!(find("Ordrenummer 12345678901"), None);
    }

    #[test]
    fn recognises_phone_numbers() {
        for text in [
            "ring 91234567",
            "ring 912 34 567",
            "tlf +47 71 23 45 67",
            "0047 71234567",
            "kontakt 71 23 45 67 i kveld",
        ] {
            assert_eq!(find(text), Some(PersonalData::PhoneNumber), "{text}");
        }
    }

    #[test]
    fn leaves_ordinary_figures_alone() {
        for text in [
            "staff trained: 14",
            "delte ut 120 sett i 2025",
            "20250101",
            "møte 12.03.2025 kl 14.30",
            "tiltak 3.1 og 4.2",
        ] {
            assert_eq!(find(text), None, "{text}");
        }
    }
}
