//! A period's pack: every disclosure of the period evaluated from the books at the cut-off,
//! with each book's chain head and each month's payment tree root, in one self-contained JSON
//! document (format in reports/README.md). The content is a function of the books, the period
//! and the cut-off alone, so `verify` recomputes a published pack and compares it figure by
//! figure.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::definition::{self, BookKind, Disclosure, DisclosureDef, DisclosurePeriod};
use super::sources::{gather, Books};
use super::store::DisclosureStore;
use crate::domain::ids::CommunityId;
use crate::domain::period::Period;
use crate::error::{Error, Result};
use crate::ledger::account::AccountCode;
use crate::ledger::rows::CommunityRow;
use crate::ledger::store::LedgerTx;
use crate::ledger::voucher::PeriodStatus;
use crate::ledger::Book;
use crate::report::engine::{Inputs, Span, TableOut};
use crate::report::facts::Facts;
use crate::report::Balances;

pub const FORMAT: &str = "mingzhang-pack-v1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommunityRef {
    pub id: CommunityId,
    pub name: String,
}

/// A book's chain at the cut-off: the head recorded when its last month was closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub book: String,
    pub name: String,
    /// Whether the period was closed (a draft of an open period carries the current head).
    pub closed: bool,
    pub chain_len: i64,
    pub chain_head: String,
}

/// A month's Merkle sum tree over its receipts (`disclosure::merkle`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreeRoot {
    pub period: String,
    pub root: String,
    pub total_fen: i64,
    pub receipts: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisclosureOut {
    pub id: String,
    pub title: String,
    pub basis: String,
    pub notes: Vec<String>,
    pub tables: Vec<TableOut>,
    /// SHA-256 of this object's compact JSON without this field.
    pub fingerprint: String,
}

/// The disclosure without its fingerprint: what the fingerprint is taken over.
#[derive(Serialize)]
struct DisclosureBody<'a> {
    id: &'a str,
    title: &'a str,
    basis: &'a str,
    notes: &'a [String],
    tables: &'a [TableOut],
}

impl DisclosureOut {
    pub fn expected_fingerprint(&self) -> String {
        let body = DisclosureBody { id: &self.id, title: &self.title, basis: &self.basis, notes: &self.notes, tables: &self.tables };
        fingerprint(&body)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Content {
    pub format: String,
    pub community: CommunityRef,
    /// "2025-03", "2025-Q1" or "2025".
    pub period: String,
    pub label: String,
    pub from: String,
    pub to: String,
    /// The last day the figures cover.
    pub cut_off: NaiveDate,
    /// When the figures were taken: signatures and other timestamped rows as they stood then.
    pub as_of: DateTime<Utc>,
    pub heads: Vec<Head>,
    pub trees: Vec<TreeRoot>,
    /// The sum of the receipts the trees hold (equal to the 开出收据金额 of 物业费收缴情况).
    pub receipts_total_fen: i64,
    pub disclosures: Vec<DisclosureOut>,
}

/// SHA-256, hex, of a value's compact JSON (serde_json's field order; no spaces; non-ASCII
/// characters as they are).
pub fn fingerprint<T: Serialize>(value: &T) -> String {
    let bytes = serde_json::to_vec(value).expect("pack values serialise");
    hex::encode(Sha256::digest(&bytes))
}

/// The published document: the content, its fingerprint, and (once published) who approved
/// it, when, and which version it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pack {
    pub content: Content,
    pub fingerprint: String,
    pub publication: Option<Publication>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Publication {
    pub version: i64,
    pub drafted_by: String,
    pub approved_by: String,
    pub published_at: DateTime<Utc>,
    /// The version this one corrects, what changed and why.
    pub corrects: Option<i64>,
    pub reason: String,
    pub changes: Vec<String>,
    /// The address of the online copy.
    pub url: String,
}

/// The community's books for the pack: its company book and, when it has one, the collective's.
pub struct PackBooks {
    pub company: Book,
    pub collective: Option<Book>,
}

impl PackBooks {
    fn of(&self, kind: BookKind) -> Option<&Book> {
        match kind {
            BookKind::Company => Some(&self.company),
            BookKind::Collective => self.collective.as_ref(),
        }
    }
}

/// Evaluates the period's disclosures from the books as they stand, with figures taken as of
/// `as_of`.
pub async fn build<S: DisclosureStore>(
    store: &S,
    community: &CommunityRow,
    books: &PackBooks,
    period: &DisclosurePeriod,
    as_of: DateTime<Utc>,
) -> Result<Content> {
    let span = period.span;
    let loaded = period_disclosures(books, period)?;
    // Each book's balances, read once: the company's also give the spending facts.
    let company_balances = Balances::load(store, &books.company).await?;
    let collective_balances = match &books.collective {
        Some(book) if loaded.iter().any(|(d, _)| d.def.book == BookKind::Collective) => Some(Balances::load(store, book).await?),
        _ => None,
    };
    let detail_from = loaded.iter().flat_map(|(d, _)| d.tables.iter().filter_map(|t| t.fee_detail_from(span))).min();
    let books_read = Books { company: &books.company, collective: books.collective.as_ref() };
    let facts = gather(store, &books_read, &company_balances, span, detail_from, as_of).await?;
    let mut disclosures = Vec::new();
    let mut has_movement = facts_in_span(&facts, span.from, span.to);
    for (loaded, book) in loaded {
        let balances = match loaded.def.book {
            BookKind::Company => &company_balances,
            BookKind::Collective => collective_balances.as_ref().ok_or_else(|| Error::not_found("集体经济组织的账套"))?,
        };
        let (tables, moved) = evaluate_tables(store, book, balances, &loaded, span, &facts).await?;
        has_movement |= moved;
        disclosures.push(disclosure_out(&loaded.def, tables));
    }
    if !has_movement {
        return Err(Error::invalid("公示期间", format!("{} 没有任何账目或收费数据，不能编制公示", period.label())));
    }
    let mut heads = Vec::new();
    for book in std::iter::once(&books.company).chain(books.collective.as_ref()) {
        heads.push(head_at(store, book, span.to).await?);
    }
    let trees = receipt_trees(store, &books.company, span).await?;
    let receipts_total_fen = trees.iter().map(|t| t.total_fen).sum();
    let received = facts.sum("pay.received", crate::report::facts::FactSpan::Movement, (span.from, span.to), &[], &[]);
    if received != receipts_total_fen {
        return Err(Error::Conflict(format!("收据合计 {received} 分与收款树合计 {receipts_total_fen} 分不符：请运行 verify")));
    }
    Ok(Content {
        format: FORMAT.into(),
        community: CommunityRef { id: community.id, name: community.name.clone() },
        period: period.key(),
        label: period.label(),
        from: span.from.to_string(),
        to: span.to.to_string(),
        cut_off: span.to.last_day(),
        as_of,
        heads,
        trees,
        receipts_total_fen,
        disclosures,
    })
}

/// The disclosures published for the period's kind whose book the community keeps, loaded and
/// checked against that book's accounts.
fn period_disclosures<'a>(books: &'a PackBooks, period: &DisclosurePeriod) -> Result<Vec<(Disclosure, &'a Book)>> {
    let mut loaded = Vec::new();
    for id in definition::ids() {
        let def = definition::definition(id)?;
        if !def.periods.contains(&period.kind) {
            continue;
        }
        let Some(book) = books.of(def.book) else { continue };
        let has = |code: &str| AccountCode::parse(code).is_some_and(|c| book.chart.contains_key(&c));
        loaded.push((def.checked(&has)?, book));
    }
    Ok(loaded)
}

/// One disclosure's tables evaluated, and whether any account moved within the span.
async fn evaluate_tables<S: DisclosureStore>(
    store: &S,
    book: &Book,
    balances: &Balances,
    loaded: &Disclosure,
    span: Span,
    facts: &Facts,
) -> Result<(Vec<TableOut>, bool)> {
    let mut tables = Vec::new();
    let mut has_movement = false;
    for table in &loaded.tables {
        let ranges = crate::report::statement::range_data(store, book, balances, table, span).await?;
        // A period with no movement in any account and no fact has nothing to disclose.
        has_movement |= ranges
            .iter()
            .any(|((_, to), r)| (span.from..=span.to).contains(to) && r.totals.values().any(|t| t.debit_fen != 0 || t.credit_fen != 0));
        tables.push(table.evaluate(&Inputs { span, chart: Some(&book.chart), ranges: &ranges, facts })?);
    }
    Ok((tables, has_movement))
}

/// A disclosure as the pack holds it: its definition's words, its tables and their fingerprint.
fn disclosure_out(def: &DisclosureDef, tables: Vec<TableOut>) -> DisclosureOut {
    let mut out = DisclosureOut {
        id: def.id.clone(),
        title: def.title.clone(),
        basis: def.basis.clone(),
        notes: def.notes.clone(),
        tables,
        fingerprint: String::new(),
    };
    out.fingerprint = out.expected_fingerprint();
    out
}

/// Each month's Merkle sum tree over the company book's receipts, by its root.
async fn receipt_trees<S: DisclosureStore>(store: &S, company: &Book, span: Span) -> Result<Vec<TreeRoot>> {
    let mut trees = Vec::new();
    for month in span.from.through(span.to) {
        let t = super::month_tree(store, company, month).await?;
        trees.push(TreeRoot {
            period: month.to_string(),
            root: hex::encode(t.tree.root().hash),
            total_fen: t.tree.root().sum_fen,
            receipts: t.leaves.len(),
        });
    }
    Ok(trees)
}

fn facts_in_span(facts: &Facts, from: Period, to: Period) -> bool {
    crate::report::facts::MEASURES
        .iter()
        .any(|(m, _, _)| *m != "fee.standard" && *m != "budget" && facts.of(m).iter().any(|f| (from..=to).contains(&f.period)))
}

/// The book's chain at the end of `period`: the head recorded at its close, or the current
/// head while it is open.
async fn head_at<S: DisclosureStore>(store: &S, book: &Book, period: Period) -> Result<Head> {
    let mut tx = store.read().await?;
    let closed = tx.periods(book.key()).await?.into_iter().find(|p| p.period == period && p.status == PeriodStatus::Closed);
    let head =
        |closed, chain_len, chain_head| Head { book: book.row.code.clone(), name: book.row.name.clone(), closed, chain_len, chain_head };
    if let Some(p) = closed {
        return Ok(head(true, p.chain_len_at_close.unwrap_or(0), p.chain_head_at_close.unwrap_or_default()));
    }
    // Only an open period (a draft's) needs the book's current head.
    let current = tx.books(book.row.community_id).await?.into_iter().find(|b| b.id == book.row.id);
    let current = current.ok_or_else(|| Error::not_found(format!("账套 {}", book.row.code)))?;
    Ok(head(false, current.chain_len, current.chain_head))
}

/// Where two contents' figures differ: "物业费收缴情况 / 收缴率（按楼栋） / 3号楼 / 当期实收：1,234.00 → 1,230.00".
pub fn differences(old: &Content, new: &Content) -> Vec<String> {
    let mut out = Vec::new();
    let index = |c: &Content| -> BTreeMap<(String, String, String, String), String> {
        let mut m = BTreeMap::new();
        for d in &c.disclosures {
            for t in &d.tables {
                for r in &t.rows {
                    for (col, v) in t.columns.iter().zip(&r.values) {
                        m.insert((d.title.clone(), t.title.clone(), r.label.clone(), col.label.clone()), v.display(col.format));
                    }
                }
            }
        }
        m
    };
    let (a, b) = (index(old), index(new));
    for (key, before) in &a {
        let after = b.get(key).map_or("（无）", String::as_str);
        if before != after {
            out.push(format!("{} / {} / {} / {}：{} → {}", key.0, key.1, key.2, key.3, before, after));
        }
    }
    for (key, after) in &b {
        if !a.contains_key(key) {
            out.push(format!("{} / {} / {} / {}：（无） → {}", key.0, key.1, key.2, key.3, after));
        }
    }
    for (h1, h2) in old.heads.iter().zip(&new.heads) {
        if h1 != h2 {
            out.push(format!("账簿 {} 的链头：{} → {}", h1.book, h1.chain_head, h2.chain_head));
        }
    }
    for (t1, t2) in old.trees.iter().zip(&new.trees) {
        if t1 != t2 {
            out.push(format!("{} 收款树：{}（{} 分）→ {}（{} 分）", t1.period, t1.root, t1.total_fen, t2.root, t2.total_fen));
        }
    }
    out
}
