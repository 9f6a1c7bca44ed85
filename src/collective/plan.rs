//! 收益分配方案, the arithmetic (pure): the provisions (公积公益金, 福利费) as configured shares
//! of the distributable total, rounded half up to the fen, and the rest to the members by
//! their shares, by the largest remainder: each member gets the floor of their exact share in
//! fen, and the fen left over go one each to the largest fractional parts (ties to the earlier
//! member of the roster), so the members' amounts add up to the rest exactly.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::domain::money::{round_half_up_to_fen, Fen};
use crate::error::{Error, Result};

/// Provisions in basis points of the distributable total (1 % = 100).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Provisions {
    /// 提取公积公益金.
    pub reserve_bp: i64,
    /// 提取福利费.
    pub welfare_bp: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub distributable: Fen,
    pub reserve: Fen,
    pub welfare: Fen,
    /// What the members share: distributable − provisions.
    pub to_members: Fen,
    /// Each member's amount, in the roster's order.
    pub members: Vec<Fen>,
}

/// The plan for `distributable` fen among members holding `shares`.
pub fn plan(distributable: Fen, provisions: Provisions, shares: &[i64]) -> Result<Plan> {
    if distributable.0 < 0 {
        return Err(Error::invalid("可分配收益", format!("{distributable} 为负，没有可分配的收益")));
    }
    for (field, bp) in [("公积公益金比例", provisions.reserve_bp), ("福利费比例", provisions.welfare_bp)] {
        if !(0..=10_000).contains(&bp) {
            return Err(Error::invalid(field, format!("须在 0% 至 100% 之间，现为 {}", percent_text(bp))));
        }
    }
    if provisions.reserve_bp + provisions.welfare_bp > 10_000 {
        return Err(Error::invalid(
            "提取比例",
            format!("公积公益金 {} 与福利费 {} 合计超过 100%", percent_text(provisions.reserve_bp), percent_text(provisions.welfare_bp)),
        ));
    }
    if shares.is_empty() {
        return Err(Error::invalid("成员名册", "没有成员"));
    }
    if let Some(i) = shares.iter().position(|s| *s <= 0) {
        return Err(Error::invalid("成员名册", format!("第 {} 名成员的股数须大于零，现为 {}", i + 1, shares[i])));
    }
    let of = |bp: i64| round_half_up_to_fen(Decimal::from(distributable.0) * Decimal::from(bp) / Decimal::from(1_000_000)).0;
    let (reserve, welfare) = (of(provisions.reserve_bp), of(provisions.welfare_bp));
    let rest = distributable.0 - reserve - welfare;
    let total_shares: i128 = shares.iter().map(|s| i128::from(*s)).sum();
    // Exact shares in fen as quotient and remainder of rest × shares ÷ total (i128: no overflow
    // for 10 亿元 among any number of shares a roster may hold).
    let mut amounts: Vec<i64> = Vec::with_capacity(shares.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(shares.len());
    for (i, s) in shares.iter().enumerate() {
        let exact = i128::from(rest) * i128::from(*s);
        amounts.push((exact / total_shares) as i64);
        remainders.push((exact % total_shares, i));
    }
    let left = rest - amounts.iter().sum::<i64>();
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders.iter().take(left as usize) {
        amounts[*i] += 1;
    }
    Ok(Plan {
        distributable,
        reserve: Fen(reserve),
        welfare: Fen(welfare),
        to_members: Fen(rest),
        members: amounts.into_iter().map(Fen).collect(),
    })
}

/// "12.5%"
pub fn percent_text(bp: i64) -> String {
    format!("{}%", Decimal::from(bp) / Decimal::from(100))
}

/// "12.5" or "12.5%" as basis points; at most two decimals.
pub fn parse_percent(field: &str, text: &str) -> Result<i64> {
    let t = text.trim().trim_end_matches('%');
    let d = Decimal::from_str_exact(t).map_err(|_| Error::invalid(field, format!("“{text}”不是百分比，应写作 10 或 12.5")))?;
    let bp = d * Decimal::from(100);
    if !bp.fract().is_zero() {
        return Err(Error::invalid(field, format!("“{text}”：最多两位小数")));
    }
    i64::try_from(bp).map_err(|_| Error::invalid(field, format!("“{text}”超出范围")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    const NONE: Provisions = Provisions { reserve_bp: 0, welfare_bp: 0 };

    #[test]
    fn three_members_of_one_share_share_a_hundred_yuan_to_the_fen() {
        let p = plan(Fen(10_000), NONE, &[1, 1, 1]).unwrap();
        assert_eq!(p.members, vec![Fen(3_334), Fen(3_333), Fen(3_333)]);
        assert_eq!(p.members.iter().map(|f| f.0).sum::<i64>(), 10_000);
    }

    #[test]
    fn a_thousand_members_with_random_shares_add_up_exactly() {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        for _ in 0..50 {
            let shares: Vec<i64> = (0..1000).map(|_| rng.gen_range(1..=37)).collect();
            let distributable = Fen(rng.gen_range(0..100_000_000_000));
            let p = plan(distributable, Provisions { reserve_bp: 1_500, welfare_bp: 525 }, &shares).unwrap();
            assert_eq!(p.reserve.0 + p.welfare.0 + p.to_members.0, distributable.0);
            assert_eq!(p.members.iter().map(|f| f.0).sum::<i64>(), p.to_members.0);
            let total: i64 = shares.iter().sum();
            for (m, s) in p.members.iter().zip(&shares) {
                // Never more than one fen from the exact share.
                let exact = p.to_members.0 as f64 * *s as f64 / total as f64;
                assert!((m.0 as f64 - exact).abs() < 1.0 + 1e-6, "{} vs {exact}", m.0);
            }
        }
    }

    #[test]
    fn provisions_round_half_up_and_may_not_exceed_the_whole() {
        // 1,000.05 × 12.5 % = 125.00625 → 125.01; × 5 % = 50.0025 → 50.00.
        let p = plan(Fen(100_005), Provisions { reserve_bp: 1_250, welfare_bp: 500 }, &[2, 1]).unwrap();
        assert_eq!((p.reserve, p.welfare, p.to_members), (Fen(12_501), Fen(5_000), Fen(82_504)));
        assert_eq!(p.members, vec![Fen(55_003), Fen(27_501)]);
        let over = plan(Fen(100), Provisions { reserve_bp: 6_000, welfare_bp: 4_001 }, &[1]).unwrap_err();
        assert!(over.to_string().contains("超过 100%"), "{over}");
        assert!(plan(Fen(100), NONE, &[1, 0]).unwrap_err().to_string().contains("第 2 名成员"));
        assert_eq!(parse_percent("x", "12.5%").unwrap(), 1_250);
        assert!(parse_percent("x", "12.345").is_err());
    }
}
