//! Checking a pack with nothing but the pack (pure): what `mingzhang check-pack DIR` does and
//! what reports/README.md tells a third party to do with a script of their own. The
//! fingerprints are recomputed, every check the pack states is redone, every total row is the
//! sum of the rows above it, every cell whose formula reads only other cells (C(n), R(n)) is
//! recomputed, the trees' totals add up to the receipts the collection table publishes, and a
//! receipt's proof reaches the root of its month.

use super::merkle::Proof;
use super::pack::{fingerprint, Content, Pack, FORMAT};
use crate::report::engine::{TableOut, Value};
use crate::report::formula::{self, Sum, Term};

/// Every way the pack does not hold, in Chinese, each naming the statement, row and column.
pub fn check_pack(pack: &Pack) -> Vec<String> {
    let mut out = Vec::new();
    let c = &pack.content;
    if c.format != FORMAT {
        out.push(format!("格式为“{}”，应为“{FORMAT}”", c.format));
    }
    if fingerprint(c) != pack.fingerprint {
        out.push("公示包的指纹与内容不符：内容被改动".into());
    }
    for d in &c.disclosures {
        if d.expected_fingerprint() != d.fingerprint {
            out.push(format!("{}：指纹与内容不符", d.title));
        }
        for t in &d.tables {
            check_table(&format!("{} / {}", d.title, t.title), t, &mut out);
        }
    }
    if pack.publication.is_some() && c.heads.iter().any(|h| !h.closed) {
        out.push("已发布的公示包含未结账的账簿".into());
    }
    let trees: i64 = c.trees.iter().map(|t| t.total_fen).sum();
    if trees != c.receipts_total_fen {
        out.push(format!("各月收款树合计 {trees} 分，公示包写的是 {} 分", c.receipts_total_fen));
    }
    if let Some(published) = published_receipts(c) {
        if published != c.receipts_total_fen {
            out.push(format!("物业费收缴情况公示的开出收据金额为 {published} 分，收款树合计为 {} 分", c.receipts_total_fen));
        }
    }
    out
}

/// The 开出收据金额 on the total row of 物业费收缴情况, where the pack has it.
fn published_receipts(c: &Content) -> Option<i64> {
    let d = c.disclosures.iter().find(|d| d.id == "fee_collection")?;
    d.tables.iter().find_map(|t| {
        let col = t.columns.iter().position(|c| c.label == "开出收据金额")?;
        t.rows.iter().find(|r| r.total).and_then(|r| r.values.get(col)).and_then(Value::amount)
    })
}

/// Checks one receipt's proof against the pack: its root is one of the pack's months, with
/// the same total, and the path reaches it.
pub fn check_proof(pack: &Pack, proof: &Proof) -> Result<String, String> {
    let month = pack
        .content
        .trees
        .iter()
        .find(|t| t.root.eq_ignore_ascii_case(&proof.root))
        .ok_or_else(|| format!("收据 {} 的证明所指的根不在本公示包中", proof.receipt_number))?;
    if month.total_fen != proof.total_fen {
        return Err(format!("收据 {} 的证明写的合计为 {} 分，公示为 {} 分", proof.receipt_number, proof.total_fen, month.total_fen));
    }
    proof.check().map_err(|e| format!("收据 {}：{e}", proof.receipt_number))?;
    Ok(month.period.clone())
}

fn check_table(name: &str, t: &TableOut, out: &mut Vec<String>) {
    for c in &t.checks {
        if (c.left == c.right) != c.holds {
            out.push(format!(
                "{name}：校验“{}”（{}）写为{}，而 {} 与 {} {}",
                c.label,
                c.at,
                if c.holds { "成立" } else { "不成立" },
                c.left,
                c.right,
                if c.left == c.right { "相等" } else { "不等" }
            ));
        } else if !c.holds {
            out.push(format!("{name}：校验“{}”（{}）不成立：{} ≠ {}", c.label, c.at, c.left, c.right));
        }
    }
    // A total row is the sum of the rows above it.
    if let Some(total) = t.rows.iter().find(|r| r.total) {
        for (k, col) in t.columns.iter().enumerate() {
            let Some(stated) = total.values.get(k).and_then(Value::amount) else { continue };
            let sum: i64 = t.rows.iter().filter(|r| !r.total).filter_map(|r| r.values.get(k).and_then(Value::amount)).sum();
            if sum != stated {
                out.push(format!("{name}：“{}”栏合计 {stated}，各行之和 {sum}", col.label));
            }
        }
    }
    // Cells computed from other cells of the table.
    for (k, col) in t.columns.iter().enumerate() {
        let Some(f) = col.formula.as_deref().and_then(|f| formula::parse(f).ok()) else { continue };
        if !reads_only_cells(&f.num) || !f.den.as_ref().is_none_or(reads_only_cells) {
            continue;
        }
        for (r, row) in t.rows.iter().enumerate() {
            let recomputed = eval(t, &f.num, r, k).and_then(|n| match &f.den {
                Some(d) => eval(t, d, r, k).map(|d| Value::Ratio { num: n, den: d }),
                None => Some(Value::Amount { value: n }),
            });
            match (recomputed, row.values.get(k)) {
                (Some(v), Some(stated)) if &v != stated => out.push(format!(
                    "{name}：{} 的“{}”应为 {}，公示为 {}",
                    row.label,
                    col.label,
                    v.display(col.format),
                    stated.display(col.format)
                )),
                _ => {}
            }
        }
    }
    for (r, row) in t.rows.iter().enumerate() {
        let Some(f) = row.formula.as_deref().and_then(|f| formula::parse(f).ok()) else { continue };
        if f.den.is_some() || !reads_only_cells(&f.num) {
            continue;
        }
        for (k, col) in t.columns.iter().enumerate() {
            if col.formula.is_some() {
                continue;
            }
            if let (Some(v), Some(stated)) = (eval(t, &f.num, r, k), row.values.get(k).and_then(Value::amount)) {
                if v != stated {
                    out.push(format!("{name}：{} 的“{}”应为 {v}，公示为 {stated}", row.label, col.label));
                }
            }
        }
    }
}

fn reads_only_cells(sum: &Sum) -> bool {
    !sum.0.is_empty() && sum.0.iter().all(|(_, t)| matches!(t, Term::Column(_) | Term::Line(_)))
}

fn eval(t: &TableOut, sum: &Sum, row: usize, column: usize) -> Option<i64> {
    let mut total = 0i64;
    for (sign, term) in &sum.0 {
        let v = match term {
            Term::Column(n) => t.rows.get(row)?.values.get(*n as usize - 1)?,
            Term::Line(n) => t.rows.iter().find(|r| r.line == Some(*n))?.values.get(column)?,
            _ => return None,
        };
        total += sign
            * match v {
                Value::Amount { value } => *value,
                Value::Blank => 0,
                _ => return None,
            };
    }
    Some(total)
}
