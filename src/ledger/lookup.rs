//! Finding an account as an accountant types it (科目助记): by code, by name (its own, or the
//! full name "银行存款—工商银行"), by part of a name, or by the pinyin initials of its name
//! (yhck for 银行存款), as 用友 and 金蝶 let one type it. Pure: it reads the chart only.

use std::collections::BTreeMap;

use pinyin::ToPinyinMulti;

use crate::error::{Error, Result};
use crate::ledger::account::{Account, AccountCode};

/// Candidates listed in a message when a name fits several accounts.
const MAX_CANDIDATES_LISTED: usize = 8;

/// The account `text` names, or an error naming `field`. A code must exist as typed; any other
/// text must fit exactly one account, the leaves preferred (an entry posts to leaves), or the
/// error lists the candidates.
pub fn find_account<'a>(chart: &'a BTreeMap<AccountCode, Account>, field: &str, text: &str) -> Result<&'a Account> {
    find(chart, text).map_err(|reason| Error::invalid(field, reason))
}

/// As [`find_account`], the reason alone when nothing or several fit.
pub fn find<'a>(chart: &'a BTreeMap<AccountCode, Account>, text: &str) -> std::result::Result<&'a Account, String> {
    let text = text.trim();
    if let Some(code) = AccountCode::parse(text) {
        return chart.get(&code).ok_or_else(|| format!("科目 {code} 不存在"));
    }
    if text.is_empty() {
        return Err("请填写科目编码、名称或拼音首字母".into());
    }
    // Tried in order, the first kind of match that fits anything decides.
    let (as_full_name, lower) = (normalize_separators(text), text.to_ascii_lowercase());
    let exact = |a: &Account| a.name == text || full_name(chart, a) == as_full_name;
    let part = |a: &Account| a.name.contains(text);
    let initials = |a: &Account| text.is_ascii() && initials_fit(&a.name, &lower);
    let tests: [&dyn Fn(&Account) -> bool; 3] = [&exact, &part, &initials];
    for test in tests {
        let found: Vec<&Account> = chart.values().filter(|a| test(a)).collect();
        let leaves: Vec<&Account> = found.iter().copied().filter(|a| a.is_leaf).collect();
        let pick = if leaves.is_empty() { found } else { leaves };
        match pick.as_slice() {
            [] => continue,
            [one] => return Ok(one),
            many => {
                let listed: Vec<String> =
                    many.iter().take(MAX_CANDIDATES_LISTED).map(|a| format!("{} {}", a.code, full_name(chart, a))).collect();
                let more = if many.len() > MAX_CANDIDATES_LISTED { format!(" 等 {} 个", many.len()) } else { String::new() };
                return Err(format!("“{text}”对应多个科目：{}{more}；请写科目编码", listed.join("、")));
            }
        }
    }
    Err(format!("没有科目的编码、名称或拼音首字母是“{text}”（`mingzhang accounts` 列出科目）"))
}

/// "银行存款—工商银行": the names from the first level down, joined by an em dash as Chinese
/// ledgers print them.
pub fn full_name(chart: &BTreeMap<AccountCode, Account>, account: &Account) -> String {
    let mut names = vec![account.name.as_str()];
    let mut parent = account.parent.as_ref();
    while let Some(p) = parent.and_then(|c| chart.get(c)) {
        names.push(p.name.as_str());
        parent = p.parent.as_ref();
    }
    names.reverse();
    names.join("—")
}

fn normalize_separators(text: &str) -> String {
    text.replace(['-', '－', '/', '／', '_'], "—").replace("——", "—")
}

/// Whether `typed` (lower-case ASCII) is the run of initials of `name`, or its beginning: each
/// Chinese character may stand for any of its readings (行 is h or x), other characters for
/// themselves.
fn initials_fit(name: &str, typed: &str) -> bool {
    let mut typed = typed.chars().filter(|c| !c.is_whitespace()).peekable();
    for ch in name.chars().filter(|c| !c.is_whitespace() && !"（）()—-、".contains(*c)) {
        let Some(&want) = typed.peek() else { return true };
        let fits = match ch.to_pinyin_multi() {
            Some(readings) => readings.into_iter().any(|p| p.first_letter().starts_with(want)),
            None => ch.to_ascii_lowercase() == want,
        };
        if !fits {
            return false;
        }
        typed.next();
    }
    typed.peek().is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::account::{build_tree, AccountClass, Side};

    fn chart() -> BTreeMap<AccountCode, Account> {
        let row = |code: &str, name: &str| (AccountCode::parse(code).unwrap(), name.to_string(), AccountClass::Asset, Side::Debit);
        build_tree(vec![
            row("1001", "库存现金"),
            row("1002", "银行存款"),
            row("100201", "工商银行"),
            row("100202", "农商银行"),
            row("1012", "其他货币资金"),
            row("101201", "微信"),
            row("101202", "支付宝"),
        ])
        .unwrap()
    }

    fn code(text: &str) -> String {
        find_account(&chart(), "科目", text).map(|a| a.code.to_string()).unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn codes_names_full_names_parts_and_initials_find_one_account() {
        assert_eq!(code("1001"), "1001");
        assert_eq!(code("库存现金"), "1001");
        assert_eq!(code("银行存款—工商银行"), "100201");
        assert_eq!(code("银行存款-农商银行"), "100202");
        assert_eq!(code("支付宝"), "101202");
        assert_eq!(code("微"), "101201");
        assert_eq!(code("kcxj"), "1001");
        assert_eq!(code("KCXJ"), "1001");
        assert_eq!(code("zfb"), "101202");
        // 行 reads háng in 银行: its initial h fits as well as x.
        assert_eq!(code("gsyh"), "100201");
        assert_eq!(code("gsyx"), "100201");
        assert!(code("gshy").contains("没有科目"), "银 has no reading with h");
    }

    #[test]
    fn an_unknown_or_ambiguous_name_is_an_error_that_says_why() {
        assert!(code("9999").contains("不存在"), "{}", code("9999"));
        let many = code("银行");
        assert!(many.contains("对应多个科目") && many.contains("100201") && many.contains("100202"), "{many}");
        assert!(code("xyz").contains("没有科目"), "{}", code("xyz"));
        // The non-leaf 银行存款 is found by its own name; posting to it is refused elsewhere.
        assert_eq!(code("银行存款"), "1002");
    }
}
