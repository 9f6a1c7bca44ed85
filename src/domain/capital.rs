//! 大写金额: an amount in Chinese capital numerals, as receipts and vouchers print it, following
//! 中国人民银行《正确填写票据和结算凭证的基本规定》:
//! - 到“元”为止的，在“元”之后写“整”字；“分”之后不写“整”；到“角”为止的，“角”之后可以不写“整”
//!   — we do not write it.
//! - 数字中间有一个或连续几个“0”时，写一个“零”字（1409.50 → 壹仟肆佰零玖元伍角）.
//! - 元位是“0”而角位不是“0”时，可以写一个“零”字 — we write it (100000.10 → 壹拾万元零壹角),
//!   so that nothing can be inserted before the 角.
//! - 角位是“0”而分位不是“0”时，必须写“零”（325.04 → 叁佰贰拾伍元零肆分）.
//! - 壹拾 is written in full, never 拾 alone (10.00 → 壹拾元整), as the rules require on
//!   receipts.

use crate::domain::money::Fen;

const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const PLACES: [&str; 4] = ["", "拾", "佰", "仟"];
const GROUPS: [&str; 4] = ["", "万", "亿", "万亿"];

/// The amount in capital numerals; a negative amount is prefixed with 负.
pub fn capital_amount(amount: Fen) -> String {
    let sign = if amount.0 < 0 { "负" } else { "" };
    let fen = amount.0.unsigned_abs();
    let (yuan, jiao, fen) = (fen / 100, (fen / 10 % 10) as usize, (fen % 10) as usize);
    let mut out = String::from(sign);
    if yuan > 0 {
        out.push_str(&integer(yuan));
        out.push('元');
    }
    match (jiao, fen) {
        (0, 0) if yuan == 0 => out.push_str("零元整"),
        (0, 0) => out.push('整'),
        (0, f) => {
            if yuan > 0 {
                out.push('零');
            }
            out.push(DIGITS[f]);
            out.push('分');
        }
        (j, f) => {
            if yuan % 10 == 0 && yuan > 0 {
                out.push('零');
            }
            out.push(DIGITS[j]);
            out.push('角');
            if f > 0 {
                out.push(DIGITS[f]);
                out.push('分');
            }
        }
    }
    out
}

/// A positive integer: groups of four digits (个, 万, 亿), with one 零 for any run of zeros
/// between non-zero digits.
fn integer(mut n: u64) -> String {
    let mut groups = Vec::new();
    while n > 0 {
        groups.push((n % 10_000) as usize);
        n /= 10_000;
    }
    let mut out = String::new();
    let mut pending_zero = false;
    for (g, &value) in groups.iter().enumerate().rev() {
        if value == 0 {
            pending_zero = !out.is_empty();
            continue;
        }
        // A group below 1000 after a higher group needs a 零 (10,010 → 壹万零壹拾).
        if pending_zero || (!out.is_empty() && value < 1000) {
            out.push('零');
        }
        pending_zero = false;
        let digits = [value / 1000, value / 100 % 10, value / 10 % 10, value % 10];
        let mut zero_run = false;
        let mut started = false;
        for (i, &d) in digits.iter().enumerate() {
            if d == 0 {
                zero_run = started;
                continue;
            }
            if zero_run {
                out.push('零');
                zero_run = false;
            }
            out.push(DIGITS[d]);
            out.push_str(PLACES[3 - i]);
            started = true;
        }
        out.push_str(GROUPS[g.min(GROUPS.len() - 1)]);
        // Trailing zeros inside a group are not written; a lower non-zero group adds its 零.
        if value % 10 == 0 && g > 0 {
            pending_zero = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(fen: i64) -> String {
        capital_amount(Fen(fen))
    }

    #[test]
    fn the_issue_examples() {
        assert_eq!(c(123456), "壹仟贰佰叁拾肆元伍角陆分");
        assert_eq!(c(5), "伍分");
        assert_eq!(c(1000), "壹拾元整");
        assert_eq!(c(10_000_010), "壹拾万元零壹角");
        assert_eq!(c(100_000_000), "壹佰万元整");
        assert_eq!(c(1_001_001), "壹万零壹拾元零壹分");
    }

    #[test]
    fn the_examples_of_the_peoples_bank_rules() {
        assert_eq!(c(140950), "壹仟肆佰零玖元伍角");
        assert_eq!(c(600714), "陆仟零柒元壹角肆分");
        assert_eq!(c(168032), "壹仟陆佰捌拾元零叁角贰分");
        assert_eq!(c(10_700_053), "壹拾万柒仟元零伍角叁分");
        assert_eq!(c(1_640_902), "壹万陆仟肆佰零玖元零贰分");
        assert_eq!(c(32504), "叁佰贰拾伍元零肆分");
    }

    #[test]
    fn zeros_groups_and_signs() {
        assert_eq!(c(0), "零元整");
        assert_eq!(c(50), "伍角");
        assert_eq!(c(15), "壹角伍分");
        assert_eq!(c(100), "壹元整");
        assert_eq!(c(10_000_000_000), "壹亿元整");
        assert_eq!(c(10_000_000_100), "壹亿零壹元整");
        assert_eq!(c(1_000_100_000_000), "壹佰亿零壹佰万元整");
        assert_eq!(c(2_000_000), "贰万元整");
        assert_eq!(c(2_005_000), "贰万零伍拾元整");
        assert_eq!(c(2_100_000), "贰万壹仟元整");
        assert_eq!(c(-1234), "负壹拾贰元叁角肆分");
    }
}
