//! 对账 and 签字: a reconciliation of a program over a range is computed from the standing rows
//! (`reconcile`), stored with every row it saw and every difference it found, and signed once
//! by each side. A side signs only what the data still says (the same fingerprint when
//! recomputed); once a side has signed, the reconciliation is frozen: its rows and differences
//! never change, and a row it saw cannot be withdrawn. A row recorded later into its range
//! shows up in the next reconciliation as a difference of its own kind.

use chrono::{NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::reconcile::{self, changes_after_signoff, Movement, Seen, Side, Signed, Spending, Terms};
use super::rows::{DifferenceRow, NoteRow, ProgramRow, ReconciliationRow, SignoffRow};
use super::store::{SubsidiesStore, SubsidiesTx};
use super::{program_by_id, program_by_key, SignSide, Subsidies};
use crate::access::store::AccessStore;
use crate::access::Act;
use crate::domain::ids::{CommunityId, ProgramId, ReconciliationId};
use crate::domain::money::Fen;
use crate::error::{Error, Result};
use crate::ledger::rows::CommunityRow;
use crate::store::Tx;

/// A reconciliation as the statement (补贴资金对账单) shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Statement {
    pub community: String,
    pub program: ProgramRow,
    pub reconciliation: ReconciliationRow,
    pub differences: Vec<DifferenceRow>,
    pub signoffs: Vec<SignoffRow>,
    /// The disbursements, receipts and expenses the reconciliation covered, as it saw them:
    /// listed on the statement the two sides sign.
    pub covered: Vec<Seen>,
    /// Each side's explanations of the differences, written as it signed.
    pub notes: Vec<NoteRow>,
    /// A sign-off whose digest no longer matches the stored reconciliation: what was signed
    /// was changed afterwards, and the signatures no longer stand.
    pub broken: bool,
}

impl Statement {
    pub fn signed_by(&self, side: SignSide) -> Option<&SignoffRow> {
        self.signoffs.iter().find(|s| s.side == side)
    }

    /// Both sides have signed what the reconciliation still says.
    pub fn is_signed(&self) -> bool {
        !self.broken && self.signed_by(SignSide::Company).is_some() && self.signed_by(SignSide::FinanceOffice).is_some()
    }

    pub fn state_label(&self) -> &'static str {
        if self.broken {
            return "签字后对账内容被改动，签字不再成立（请运行 verify 核查）";
        }
        state_label(self.signed_by(SignSide::Company).is_some(), self.signed_by(SignSide::FinanceOffice).is_some())
    }
}

/// The state of a reconciliation by who has signed it.
pub fn state_label(company: bool, office: bool) -> &'static str {
    match (company, office) {
        (true, true) => "双方已签字",
        (true, false) => "物业公司已签字，待街道财政所签字",
        (false, true) => "街道财政所已签字，待物业公司签字",
        (false, false) => "待双方签字",
    }
}

/// What a reconciliation computes: the rows in its range and its outcome.
struct Computed {
    seen: Vec<Seen>,
    outcome: reconcile::Outcome,
}

impl<S: SubsidiesStore + AccessStore> Subsidies<S> {
    /// 生成对账单: reconciles a program over [from, until) and stores what it saw and found.
    pub async fn reconcile(
        &self,
        community: &CommunityRow,
        program: &str,
        from: NaiveDate,
        until: NaiveDate,
        user: &str,
    ) -> Result<Statement> {
        let user = self.actor("对账人", user, community, Act::Reconcile).await?;
        if until <= from {
            return Err(Error::invalid("截止日期", format!("{until} 须晚于起始日期 {from}（截止日期当天不含在内）")));
        }
        let mut tx = self.store().begin().await?;
        let program = program_by_key(&mut tx, community.id, program).await?;
        let computed = compute(&mut tx, community.id, &program, from, until, None).await?;
        let differences = difference_rows(&computed.outcome);
        let o = &computed.outcome;
        let row = ReconciliationRow {
            id: ReconciliationId(0),
            program_id: program.id,
            from_on: from,
            until_on: until,
            disbursed_fen: o.disbursed.0,
            received_fen: o.received.0,
            spent_fen: o.spent.0,
            spent_eligible_fen: o.spent_eligible.0,
            differences: differences.len() as i64,
            fingerprint: fingerprint(program.id, from, until, &computed.seen, &differences),
            created_by: user,
            created_at: Utc::now(),
        };
        let id = tx.insert_reconciliation(community.id, &row, &computed.seen, &differences).await?;
        let statement = statement_in(&mut tx, community, id, false).await?;
        tx.commit().await?;
        Ok(statement)
    }

    /// 签字: `user` signs reconciliation `id` for `side`, once per side, as the access rules
    /// allow (the company: an accountant or reviewer of the community; the finance office: a
    /// finance-office user of the community's street), and only while the data still gives
    /// what it found.
    pub async fn sign(&self, community: &CommunityRow, id: ReconciliationId, side: SignSide, user: &str) -> Result<Statement> {
        self.sign_with_notes(community, id, side, user, &[]).await
    }

    /// [`sign`](Self::sign) with the signer's explanation of differences (差异说明): (seq,
    /// note) each, kept with the sign-off and sealed by its digest. A blank note is left out.
    pub async fn sign_with_notes(
        &self,
        community: &CommunityRow,
        id: ReconciliationId,
        side: SignSide,
        user: &str,
        notes: &[(i64, String)],
    ) -> Result<Statement> {
        let user = self.actor("签字人", user, community, side.act()).await?;
        let mut tx = self.store().begin().await?;
        let statement = statement_in(&mut tx, community, id, false).await?;
        if let Some(s) = statement.signed_by(side) {
            return Err(Error::Conflict(format!("对账单 #{id} 已由{}的 {} 签字，每一方只签一次", side.label(), s.username)));
        }
        if let Some(other) = statement.signoffs.iter().find(|s| s.username == user) {
            return Err(Error::Conflict(format!("{user} 已代表{}签字，不能再代表{}签字", other.side.label(), side.label())));
        }
        let r = &statement.reconciliation;
        let now = compute(&mut tx, community.id, &statement.program, r.from_on, r.until_on, Some(id)).await?;
        if fingerprint(r.program_id, r.from_on, r.until_on, &now.seen, &difference_rows(&now.outcome)) != r.fingerprint {
            return Err(Error::Conflict(format!("对账单 #{id} 生成后，其期间内的拨付、到账或支出已有变动；请重新生成对账单后再签字")));
        }
        let notes = checked_notes(&statement.differences, notes)?;
        // The sign-off seals what is stored, its notes with it, and enters the master-data chain.
        let base = sealed_digest(r, &tx.seen_rows(community.id, id).await?, &tx.differences(community.id, id).await?);
        let digest = with_notes(&base, notes.iter().map(|(seq, note)| (*seq, note.as_str())));
        tx.insert_signoff(community.id, id, side, &user, Utc::now(), &digest).await?;
        tx.insert_notes(community.id, id, side, &notes).await?;
        crate::fees::seal::master::record(&mut tx, community.id, &[crate::fees::seal::master::MasterKind::Signoff]).await?;
        let statement = statement_in(&mut tx, community, id, false).await?;
        tx.commit().await?;
        Ok(statement)
    }

    pub async fn statement(&self, community: &CommunityRow, id: ReconciliationId) -> Result<Statement> {
        let mut tx = self.store().read().await?;
        statement_in(&mut tx, community, id, true).await
    }

    /// The community's reconciliations (of one program, or of all), oldest first.
    pub async fn reconciliations(&self, community_id: CommunityId, program_id: Option<ProgramId>) -> Result<Vec<ReconciliationRow>> {
        let mut tx = self.store().read().await?;
        tx.reconciliations(community_id, program_id).await
    }
}

/// The statement of reconciliation `id`; with the rows it `covered` listed when asked (the
/// page and the paper), else only when a signature needs them hashed (a reconciliation just
/// made has none to check, and 20,000 × 20,000 rows to read).
async fn statement_in<T: SubsidiesTx>(tx: &mut T, community: &CommunityRow, id: ReconciliationId, covered: bool) -> Result<Statement> {
    let reconciliation = tx
        .reconciliations(community.id, None)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| Error::not_found(format!("对账单 #{id}")))?;
    let program = program_by_id(tx, community.id, reconciliation.program_id).await?;
    let differences = tx.differences(community.id, id).await?;
    let signoffs: Vec<SignoffRow> = tx.signoffs(community.id, Some(id)).await?.into_iter().map(|(_, s)| s).collect();
    let sealed = signoffs.iter().any(|s| s.digest.is_some());
    let covered = if covered || sealed { tx.seen_rows(community.id, id).await? } else { Vec::new() };
    let notes = if signoffs.is_empty() { Vec::new() } else { tx.notes(community.id, id).await? };
    let broken = if sealed {
        let now = sealed_digest(&reconciliation, &covered, &differences);
        signoffs.iter().any(|s| {
            let own = notes.iter().filter(|n| n.side == s.side).map(|n| (n.seq, n.note.as_str()));
            s.digest.as_deref().is_some_and(|d| d != with_notes(&now, own))
        })
    } else {
        false
    };
    Ok(Statement { community: community.name.clone(), program, differences, signoffs, covered, notes, reconciliation, broken })
}

/// What a sign-off seals (pure): the reconciliation's stored figures and fingerprint, every row
/// it saw and every difference it found, as stored.
pub fn sealed_digest(r: &ReconciliationRow, seen: &[Seen], differences: &[DifferenceRow]) -> String {
    let mut h = Sha256::new();
    h.update(format!(
        "reconciliation {} {} {} {} {} {} {} {}\n",
        r.id, r.disbursed_fen, r.received_fen, r.spent_fen, r.spent_eligible_fen, r.differences, r.fingerprint, r.created_by
    ));
    h.update(fingerprint(r.program_id, r.from_on, r.until_on, seen, differences));
    hex::encode(h.finalize())
}

/// A sign-off's digest: what it seals of the reconciliation, and its side's notes when it wrote
/// any (a sign-off without notes keeps the digest it had before notes were kept).
pub fn with_notes<'a>(sealed: &str, notes: impl IntoIterator<Item = (i64, &'a str)>) -> String {
    let mut notes = notes.into_iter().peekable();
    if notes.peek().is_none() {
        return sealed.to_string();
    }
    let mut h = Sha256::new();
    h.update(sealed);
    for (seq, note) in notes {
        h.update(format!("\nnote {seq} {} {note}", note.len()));
    }
    hex::encode(h.finalize())
}

/// The notes a signer wrote, each on a difference of the statement and at most 200 characters;
/// blank ones left out, in difference order.
fn checked_notes(differences: &[DifferenceRow], notes: &[(i64, String)]) -> Result<Vec<(i64, String)>> {
    let mut out: Vec<(i64, String)> = Vec::new();
    for (seq, note) in notes {
        let note = note.trim();
        if note.is_empty() {
            continue;
        }
        if !differences.iter().any(|d| d.seq == *seq) {
            return Err(Error::invalid("差异说明", format!("对账单没有第 {seq} 项差异")));
        }
        let chars = note.chars().count();
        if chars > 200 {
            return Err(Error::invalid("差异说明", format!("第 {seq} 项差异的说明最多 200 个字，现有 {chars} 个")));
        }
        if out.iter().any(|(s, _)| s == seq) {
            return Err(Error::invalid("差异说明", format!("第 {seq} 项差异的说明写了两次")));
        }
        out.push((*seq, note.to_string()));
    }
    out.sort_by_key(|(seq, _)| *seq);
    Ok(out)
}

/// `verify`'s check of a community's sign-offs: each against what is stored now. A forged or
/// deleted sign-off is named by the master-data chain that records them.
pub async fn verify_signoffs<S: SubsidiesStore>(store: &S, community: &CommunityRow, fail: &mut impl FnMut(u8, String)) -> Result<()> {
    let mut tx = store.read().await?;
    let signoffs = tx.signoffs(community.id, None).await?;
    let mut ids: Vec<ReconciliationId> = signoffs.iter().map(|(id, _)| *id).collect();
    ids.dedup();
    for id in ids {
        let s = statement_in(&mut tx, community, id, false).await?;
        if s.broken {
            let who: Vec<String> = s.signoffs.iter().map(|o| format!("{}（{}）", o.side.label(), o.username)).collect();
            fail(4, format!("对账单 #{id} 的签字（{}）与签字时的对账内容不符：对账行或差异在签字后被改动", who.join("、")));
        }
    }
    Ok(())
}

/// The program's standing rows, reconciled over [from, until), with what changed since each
/// signed reconciliation of the program (but `leaving_out`, the one being signed).
async fn compute<T: SubsidiesTx>(
    tx: &mut T,
    community_id: CommunityId,
    program: &ProgramRow,
    from: NaiveDate,
    until: NaiveDate,
    leaving_out: Option<ReconciliationId>,
) -> Result<Computed> {
    let current = standing_rows(tx, community_id, program.id).await?;
    let in_range = |r: &&Seen| r.on_date >= from && r.on_date < until;
    let movements = |side: Side| -> Vec<Movement> {
        current
            .iter()
            .filter(in_range)
            .filter(|r| r.side == side)
            .map(|r| Movement { id: r.row_id, date: r.on_date, amount: Fen(r.amount_fen), reference: r.detail.clone() })
            .collect()
    };
    let eligible = program.eligible_categories()?;
    let mut spending = Vec::new();
    for r in current.iter().filter(in_range).filter(|r| r.side == Side::Spending) {
        let category = crate::domain::category::Category::parse(&r.detail)
            .ok_or_else(|| Error::invalid("支出类别", format!("存储的类别“{}”无法识别", r.detail)))?;
        spending.push(Spending { id: r.row_id, date: r.on_date, amount: Fen(r.amount_fen), category });
    }
    let before = |side: Side, counts: &dyn Fn(&Seen) -> bool| -> Fen {
        Fen(current.iter().filter(|r| r.side == side && r.on_date < from && counts(r)).map(|r| r.amount_fen).sum())
    };
    let received_before = before(Side::Receipt, &|_| true);
    let spent_before =
        before(Side::Spending, &|r| crate::domain::category::Category::parse(&r.detail).is_some_and(|c| eligible.contains(&c)));
    let terms = Terms { eligible, ends: program.ends_on };
    let mut outcome = reconcile::reconcile(
        &terms,
        &movements(Side::Disbursement),
        &movements(Side::Receipt),
        &spending,
        received_before,
        spent_before,
        until,
    );
    let signed = signed_of(tx, community_id, program.id, leaving_out).await?;
    let signed: Vec<Signed<'_>> = signed.iter().map(|(r, seen)| Signed { id: r.id, from: r.from_on, until: r.until_on, seen }).collect();
    outcome.differences.extend(changes_after_signoff(&signed, &current));
    outcome.differences.sort_by_key(|d| (d.kind, d.disbursement_id, d.receipt_id, d.spending_id));
    let seen = current.iter().filter(in_range).cloned().collect();
    Ok(Computed { seen, outcome })
}

/// Every standing (not withdrawn) disbursement, receipt and tagged expense of a program, as a
/// reconciliation sees it.
async fn standing_rows<T: SubsidiesTx>(tx: &mut T, community_id: CommunityId, program_id: ProgramId) -> Result<Vec<Seen>> {
    let mut rows = Vec::new();
    for d in tx.disbursements(community_id, program_id, super::store::NO_END).await?.into_iter().filter(|d| !d.withdrawn) {
        rows.push(Seen {
            side: Side::Disbursement,
            row_id: d.id.0,
            on_date: d.disbursed_on,
            amount_fen: d.amount_fen,
            detail: d.reference,
        });
    }
    for r in tx.receipts(community_id, program_id, super::store::NO_END).await?.into_iter().filter(|r| !r.withdrawn) {
        rows.push(Seen { side: Side::Receipt, row_id: r.id.0, on_date: r.received_on, amount_fen: r.amount_fen, detail: r.reference });
    }
    for e in tx.expenses_of_program(community_id, program_id, super::store::NO_END).await?.into_iter().filter(|e| !e.withdrawn) {
        rows.push(Seen {
            side: Side::Spending,
            row_id: e.id.0,
            on_date: e.spent_on,
            amount_fen: e.amount_fen,
            detail: e.category.as_str().into(),
        });
    }
    rows.sort_by_key(|r| (r.side, r.row_id));
    Ok(rows)
}

/// The program's reconciliations that a side has signed (frozen), with the rows each saw.
async fn signed_of<T: SubsidiesTx>(
    tx: &mut T,
    community_id: CommunityId,
    program_id: ProgramId,
    leaving_out: Option<ReconciliationId>,
) -> Result<Vec<(ReconciliationRow, Vec<Seen>)>> {
    let signed: std::collections::HashSet<ReconciliationId> =
        tx.signoffs(community_id, None).await?.into_iter().map(|(id, _)| id).collect();
    let mut out = Vec::new();
    for r in tx.reconciliations(community_id, Some(program_id)).await? {
        if signed.contains(&r.id) && Some(r.id) != leaving_out {
            let seen = tx.seen_rows(community_id, r.id).await?;
            out.push((r, seen));
        }
    }
    Ok(out)
}

/// The signed reconciliation of the program that saw the row, if any.
pub(super) async fn signed_covering<T: SubsidiesTx>(
    tx: &mut T,
    community_id: CommunityId,
    program_id: ProgramId,
    side: Side,
    row_id: i64,
) -> Result<Option<ReconciliationId>> {
    let signed = signed_of(tx, community_id, program_id, None).await?;
    Ok(signed.iter().find(|(_, seen)| seen.iter().any(|s| s.side == side && s.row_id == row_id)).map(|(r, _)| r.id))
}

fn difference_rows(outcome: &reconcile::Outcome) -> Vec<DifferenceRow> {
    outcome
        .differences
        .iter()
        .enumerate()
        .map(|(i, d)| DifferenceRow {
            seq: i as i64 + 1,
            kind: d.kind,
            disbursement_id: d.disbursement_id,
            receipt_id: d.receipt_id,
            spending_id: d.spending_id,
            amount_fen: d.amount.0,
            detail: d.detail.clone(),
        })
        .collect()
}

/// SHA-256 of what a reconciliation saw and found, in one canonical order: what a side signs.
fn fingerprint(program_id: ProgramId, from: NaiveDate, until: NaiveDate, seen: &[Seen], differences: &[DifferenceRow]) -> String {
    let mut h = Sha256::new();
    h.update(format!("program {program_id} {from} {until}\n"));
    for s in seen {
        h.update(format!("{} {} {} {} {}\n", s.side.as_str(), s.row_id, s.on_date, s.amount_fen, s.detail));
    }
    for d in differences {
        h.update(format!("{} {} {} {} {} {}\n", d.kind.as_str(), d.disbursement_id, d.receipt_id, d.spending_id, d.amount_fen, d.detail));
    }
    hex::encode(h.finalize())
}
