//! 集体收益及分配 for the collective's members: the public disclosure shows no names; a member
//! who signs in with their household's access code sees each distribution with their own
//! household's lines, and everyone's names and amounts only for a distribution whose names
//! the collective decided to show (成员（代表）大会决议, recorded once and kept).

use chrono::Utc;
use serde::Serialize;

use super::store::{DisclosureStore, DisclosureTx};
use crate::collective::store::{CollectiveStore, LineRow};
use crate::collective::Collective;
use crate::domain::ids::DistributionId;
use crate::domain::money::Fen;
use crate::error::{Error, Result};
use crate::ledger::{Book, Ledger};
use crate::store::Tx;

/// Records the collective's decision to show the names of distribution `id`.
pub async fn show_names<S: DisclosureStore + CollectiveStore>(
    ledger: &Ledger<S>,
    collective: &Book,
    id: DistributionId,
    decision: &str,
    user: &str,
) -> Result<()> {
    let decision = decision.trim();
    if decision.is_empty() || decision.chars().count() > 200 {
        return Err(Error::invalid("--decision", "须写明决议（如“2026年成员代表大会决议第2号”），不超过 200 字"));
    }
    Collective::new(ledger).distribution(collective, id).await?;
    let mut tx = ledger.store.begin().await?;
    if tx.name_decisions(collective.row.community_id).await?.iter().any(|(d, _)| *d == id) {
        return Err(Error::invalid("收益分配", format!("收益分配 #{id} 已决定公示成员姓名")));
    }
    tx.insert_name_decision(collective.row.community_id, id, decision, user, Utc::now()).await?;
    tx.commit().await
}

/// One distribution as a member sees it.
#[derive(Clone, Debug, Serialize)]
pub struct MemberDistribution {
    pub year: i64,
    pub members_fen: Fen,
    pub members: usize,
    pub shares: i64,
    /// The decision that shows everyone's lines, if the collective made one.
    pub names_shown: Option<String>,
    /// Everyone's lines when names are shown; otherwise the member's household's.
    pub lines: Vec<LineRow>,
    pub paid_on: Option<chrono::NaiveDate>,
}

/// The collective's distributions as the member of `household` (a household label) sees them.
pub async fn for_member<S: DisclosureStore + CollectiveStore>(
    ledger: &Ledger<S>,
    collective: &Book,
    household: &str,
) -> Result<Vec<MemberDistribution>> {
    let co = Collective::new(ledger);
    let decisions = ledger.store.read().await?.name_decisions(collective.row.community_id).await?;
    let mut out = Vec::new();
    for row in co.distributions(collective).await? {
        let all = co.distribution(collective, row.id).await?.lines;
        let names_shown = decisions.iter().find(|(d, _)| *d == row.id).map(|(_, text)| text.clone());
        let (members, shares) = (all.len(), all.iter().map(|l| l.shares).sum());
        let lines = if names_shown.is_some() { all } else { all.into_iter().filter(|l| l.household == household).collect() };
        out.push(MemberDistribution {
            year: row.year,
            members_fen: Fen(row.members_fen),
            members,
            shares,
            names_shown,
            lines,
            paid_on: row.paid_on,
        });
    }
    Ok(out)
}
