//! Secrets and their hashes. Passwords and household codes are hashed with argon2id (memory
//! 19 MiB, 2 passes, 1 lane: the OWASP recommendation), so a stolen database does not give
//! them up; session ids and API tokens are 256 random bits, for which one SHA-256 is enough.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// argon2id with m = 19,456 KiB, t = 2, p = 1.
pub const ARGON2_MEMORY_KIB: u32 = 19_456;
pub const ARGON2_PASSES: u32 = 2;
pub const ARGON2_LANES: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(ARGON2_MEMORY_KIB, ARGON2_PASSES, ARGON2_LANES, None).expect("argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// The PHC string of `password` (algorithm, parameters, salt and hash).
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::invalid("密码", format!("无法计算散列：{e}")))
}

/// Whether `password` matches the PHC string `hash`; a malformed or empty hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => argon2().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => {
            burn_one_hash(password);
            false
        }
    }
}

/// Spends the time of one hash, so that a miss (no such user, no code issued) takes as long
/// as a wrong password and tells an attacker nothing.
pub fn burn_one_hash(password: &str) {
    let salt = SaltString::encode_b64(b"mingzhang-burned").expect("fixed salt encodes");
    let _ = argon2().hash_password(password.as_bytes(), &salt);
}

/// 256 random bits, as 64 hex digits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The letters of a household code: digits and capitals without 0/O, 1/I/L, which a resident
/// would confuse when typing it from paper.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// 12 letters of 31: 59 bits.
pub const HOUSEHOLD_CODE_LEN: usize = 12;

/// A new household access code, printed as four groups of three ("K7M-2QX-…").
pub fn household_code() -> String {
    let mut rng = OsRng;
    let letters: Vec<char> = (0..HOUSEHOLD_CODE_LEN).map(|_| CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())] as char).collect();
    letters.chunks(3).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// A code as typed: dashes, spaces and case do not matter; the hash is over this form.
pub fn normalize_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_round_trip_and_differ() {
        let a = hash_password("correct horse").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse", &a));
        assert!(!verify_password("correct horsE", &a));
        assert!(!verify_password("correct horse", ""));
        assert_ne!(a, hash_password("correct horse").unwrap(), "each hash has its own salt");
    }

    #[test]
    fn household_codes_are_long_and_typed_forgivingly() {
        let code = household_code();
        let plain = normalize_code(&code);
        assert_eq!(plain.len(), HOUSEHOLD_CODE_LEN);
        assert!(plain.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        assert_eq!(normalize_code(&code.to_lowercase().replace('-', " ")), plain);
        assert_ne!(household_code(), code);
    }
}
