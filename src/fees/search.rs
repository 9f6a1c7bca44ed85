//! The cashier's search box (pure): a household found by its house number however it is
//! typed ("1-1-101", "1 1 101", "１－１－１０１", "1-1-" for a whole unit, "101" for every
//! 101), by its owner's name, pinyin or initials ("张三", "zhangsan", "zs"), or by the last
//! digits of its phone.

use pinyin::ToPinyinMulti;

use crate::fees::household_label;
use crate::fees::rows::HouseholdRow;

/// How well a household answers a query, best first: results are listed in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Found {
    /// The whole house number: the cashier's search opens the household at once.
    Exact,
    /// The beginning of the house number ("1-1-"), or its room ("101").
    Number,
    /// The owner's name, full pinyin or initials.
    Owner,
    /// The last three or more digits of the phone.
    Phone,
}

/// How `h` answers `query`, or None.
pub fn find(h: &HouseholdRow, query: &str) -> Option<Found> {
    let q = normalize(query);
    if q.is_empty() {
        return None;
    }
    let label = household_label(h);
    if label.eq_ignore_ascii_case(&q) {
        return Some(Found::Exact);
    }
    let number = q.ends_with('-') && label.starts_with(&q)
        || label.starts_with(&format!("{q}-"))
        || !q.contains('-') && label.rsplit('-').next().is_some_and(|room| room.eq_ignore_ascii_case(&q));
    if number {
        return Some(Found::Number);
    }
    if h.owner_name.contains(q.as_str())
        || (q.chars().all(|c| c.is_ascii_alphabetic()) && pinyin_fits(&h.owner_name, &q.to_ascii_lowercase()))
    {
        return Some(Found::Owner);
    }
    let digits: String = h.phone.chars().filter(char::is_ascii_digit).collect();
    (q.len() >= 3 && q.chars().all(|c| c.is_ascii_digit()) && digits.ends_with(&q)).then_some(Found::Phone)
}

/// Whether `h` answers `query` at all.
pub fn matches(h: &HouseholdRow, query: &str) -> bool {
    find(h, query).is_some()
}

/// The query as house numbers are written: full-width characters as ASCII, and any run of
/// spaces, slashes or dashes as one "-" ("1 1 101", "1/1/101", "1－1－101" → "1-1-101").
fn normalize(query: &str) -> String {
    let mut out = String::new();
    for c in query.trim().chars() {
        let c = match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        };
        if matches!(c, ' ' | '/' | '-' | '—' | '_' | '\\') {
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `typed` (lower-case letters) spells `name` from its start, each character by any
/// beginning of any of its readings: "zhangsan", "zhangs", "zs" and "z" all fit 张三.
fn pinyin_fits(name: &str, typed: &str) -> bool {
    let readings: Vec<Vec<String>> = name
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c.to_pinyin_multi() {
            Some(multi) => multi.into_iter().map(|p| p.plain().to_string()).collect(),
            None => vec![c.to_lowercase().to_string()],
        })
        .collect();
    spells(&readings, typed)
}

fn spells(readings: &[Vec<String>], typed: &str) -> bool {
    if typed.is_empty() {
        return true;
    }
    let Some((first, rest)) = readings.split_first() else { return false };
    first.iter().any(|reading| {
        (1..=reading.len()).filter(|&n| reading.is_char_boundary(n)).any(|n| typed.starts_with(&reading[..n]) && spells(rest, &typed[n..]))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::HouseholdId;
    use crate::fees::kinds::HouseholdKind;

    fn household(building: &str, unit: &str, room: &str, owner: &str, phone: &str) -> HouseholdRow {
        HouseholdRow {
            id: HouseholdId(1),
            building: building.into(),
            unit: unit.into(),
            room: room.into(),
            area_m2_hundredths: crate::domain::area::AreaM2Hundredths(8937),
            kind: HouseholdKind::Residential,
            owner_name: owner.into(),
            phone: phone.into(),
            move_in_date: None,
        }
    }

    #[test]
    fn a_house_number_is_found_however_it_is_typed() {
        let h = household("1", "1", "101", "张三", "13800000001");
        for q in ["1-1-101", "1 1 101", "１－１－１０１", "1/1/101", " 1  1 101 "] {
            assert_eq!(find(&h, q), Some(Found::Exact), "{q}");
        }
        for q in ["1-1-", "1-1", "1", "101", "１０１"] {
            assert_eq!(find(&h, q), Some(Found::Number), "{q}");
        }
        for q in ["1-2-", "2-1-101", "10", "01", "1-10"] {
            assert_eq!(find(&h, q), None, "{q}");
        }
        assert_eq!(find(&household("S", "", "S01", "赵六商行", ""), "s-s01"), Some(Found::Exact));
    }

    #[test]
    fn an_owner_is_found_by_name_pinyin_or_initials_and_a_phone_by_its_tail() {
        let h = household("2", "1", "201", "张三", "13800000457");
        for q in ["张", "张三", "zhangsan", "ZhangSan", "zhangs", "zs", "z"] {
            assert_eq!(find(&h, q), Some(Found::Owner), "{q}");
        }
        for q in ["zhangsi", "sz", "li"] {
            assert_eq!(find(&h, q), None, "{q}");
        }
        assert_eq!(find(&h, "0457"), Some(Found::Phone));
        assert_eq!(find(&h, "45"), None, "two digits are too few for a phone");
        // 行 reads hang or xing: either spells it.
        let shop = household("S", "", "S01", "赵六商行", "");
        assert!(matches(&shop, "zlsh") && matches(&shop, "zlsx") && matches(&shop, "zhaoliushanghang"));
    }
}
