//! A book's disclosure secret and what is derived from it (pure): each receipt's leaf salt in
//! the month's Merkle sum tree, and the short verification code printed on the receipt. Both
//! are HMAC-SHA-256 of the receipt number under the secret, so a receipt printed before codes
//! existed has one too, and nothing per receipt needs storing. Without the secret a leaf's
//! hash cannot be tested against guessed receipt numbers and amounts, and a code cannot be
//! guessed from the receipt number.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// The code's alphabet: digits and capitals without 0/O, 1/I/L, which a resident misreads.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Eight characters of 31: about 40 bits, with attempts limited per address and per receipt.
pub const CODE_CHARS: usize = 8;

#[derive(Clone, PartialEq, Eq)]
pub struct BookSecret([u8; 32]);

impl std::fmt::Debug for BookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BookSecret(…)")
    }
}

impl BookSecret {
    pub fn generate() -> BookSecret {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        BookSecret(bytes)
    }

    pub fn from_hex(text: &str) -> Option<BookSecret> {
        hex::decode(text).ok()?.try_into().ok().map(BookSecret)
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    fn mac(&self, purpose: &[u8], receipt_number: i64) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
        mac.update(purpose);
        mac.update(&receipt_number.to_be_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The salt of the receipt's leaf.
    pub fn salt(&self, receipt_number: i64) -> [u8; 16] {
        let mac = self.mac(b"leaf-salt", receipt_number);
        mac[..16].try_into().expect("16 of 32 bytes")
    }

    /// The receipt's verification code, as printed: "ABCD-EFGH".
    pub fn code(&self, receipt_number: i64) -> String {
        let mac = self.mac(b"receipt-code", receipt_number);
        let chars: String = mac[..CODE_CHARS].iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect();
        format!("{}-{}", &chars[..4], &chars[4..])
    }

    /// Whether a code as a resident typed it (any case, spaces, dashes, full-width characters)
    /// is the receipt's. Compared in constant time.
    pub fn code_matches(&self, receipt_number: i64, typed: &str) -> bool {
        let typed: Vec<u8> = typed
            .chars()
            .map(|c| match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            })
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase() as u8)
            .collect();
        let expected: Vec<u8> = self.code(receipt_number).bytes().filter(|b| *b != b'-').collect();
        typed.len() == expected.len() && typed.iter().zip(&expected).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_readable_and_checked_loosely() {
        let secret = BookSecret::from_hex(&"ab".repeat(32)).unwrap();
        let code = secret.code(32124);
        assert_eq!(code, secret.code(32124));
        assert_ne!(code, secret.code(32125));
        assert_eq!(code.len(), 9);
        assert!(code.chars().all(|c| c == '-' || ALPHABET.contains(&(c as u8))));
        assert!(secret.code_matches(32124, &code));
        assert!(secret.code_matches(32124, &code.to_lowercase().replace('-', " ")));
        let full_width: String = code.chars().map(|c| if c == '-' { c } else { char::from_u32(c as u32 + 0xFEE0).unwrap() }).collect();
        assert!(secret.code_matches(32124, &full_width));
        assert!(!secret.code_matches(32125, &code));
        assert!(!secret.code_matches(32124, &code[..8]));
        let other = BookSecret::generate();
        assert_ne!(other.salt(32124), secret.salt(32124));
        assert_eq!(BookSecret::from_hex(&other.to_hex()), Some(other));
    }
}
