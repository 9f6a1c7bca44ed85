//! The finance office's overview: across its communities, each program's approved, disbursed,
//! received, spent and unspent amounts and the state of its latest reconciliation, in two
//! statements however many communities there are.

use chrono::NaiveDate;
use serde::Serialize;

use super::rows::ProgramFigures;
use super::signoff::state_label;
use super::store::{SubsidiesStore, SubsidiesTx};
use super::Subsidies;
use crate::access::store::AccessStore;
use crate::domain::ids::{CommunityId, ProgramId, ReconciliationId};
use crate::domain::money::Fen;
use crate::error::Result;
use crate::ledger::rows::CommunityRow;

#[derive(Clone, Debug, Serialize)]
pub struct ProgramLine {
    pub community_id: CommunityId,
    pub community: String,
    pub program_id: ProgramId,
    pub document_no: String,
    pub purpose: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub approved: Fen,
    pub disbursed: Fen,
    pub received: Fen,
    /// Tagged spending in the eligible categories.
    pub spent: Fen,
    /// Received and not (eligibly) spent.
    pub unspent: Fen,
    pub latest: Option<LatestReconciliation>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LatestReconciliation {
    pub id: ReconciliationId,
    pub from_on: NaiveDate,
    /// The first day after the range, as stored.
    pub until_on: NaiveDate,
    /// The last day covered, as the statement's heading prints the range.
    pub through_on: NaiveDate,
    pub differences: i64,
    pub state: &'static str,
    /// Waiting for the finance office's signature: on its to-do list.
    pub awaits_office: bool,
}

impl<S: SubsidiesStore + AccessStore> Subsidies<S> {
    /// Every reconciliation of the communities with who has signed it, oldest first.
    pub async fn states(&self, communities: &[CommunityId]) -> Result<Vec<super::rows::ReconciliationState>> {
        let mut tx = self.store().read_across().await?;
        tx.reconciliation_states(communities).await
    }

    pub async fn overview(&self, communities: &[CommunityRow]) -> Result<Vec<ProgramLine>> {
        let ids: Vec<_> = communities.iter().map(|c| c.id).collect();
        let mut tx = self.store().read_across().await?;
        let figures = tx.program_figures(&ids).await?;
        let states = tx.reconciliation_states(&ids).await?;
        Ok(figures
            .into_iter()
            .map(|f: ProgramFigures| {
                let latest =
                    states.iter().rev().find(|s| s.community_id == f.community_id && s.program_id == f.id).map(|s| LatestReconciliation {
                        id: s.id,
                        from_on: s.from_on,
                        until_on: s.until_on,
                        through_on: s.until_on.pred_opt().unwrap_or(s.until_on),
                        differences: s.differences,
                        state: state_label(s.company_signed, s.office_signed),
                        awaits_office: !s.office_signed,
                    });
                let community = communities.iter().find(|c| c.id == f.community_id).map(|c| c.name.clone()).unwrap_or_default();
                ProgramLine {
                    community_id: f.community_id,
                    community,
                    program_id: f.id,
                    document_no: f.document_no,
                    purpose: f.purpose,
                    starts_on: f.starts_on,
                    ends_on: f.ends_on,
                    approved: Fen(f.approved_fen),
                    disbursed: Fen(f.disbursed_fen),
                    received: Fen(f.received_fen),
                    spent: Fen(f.spent_fen),
                    unspent: Fen(f.received_fen - f.spent_fen),
                    latest,
                }
            })
            .collect())
    }
}
