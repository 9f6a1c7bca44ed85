//! Fee papers: receipts (收据) and dunning notices (催缴通知单) as PDF.
pub mod dunning;
pub mod handover;
pub mod receipt;

/// What a receipt or notice says of the household's access code (查询码), with which the
/// resident reads their own bills on the community's page. Codes are stored only as hashes, so
/// a code can be printed only on the paper made when it is issued; later papers say where to
/// get a new one.
#[derive(Clone, Copy, Debug)]
pub enum CodeLine<'a> {
    /// Issued with this paper: printed in full.
    New(&'a str),
    /// Issued before, on an earlier paper.
    Issued,
    /// None was ever issued (nothing is printed).
    Absent,
}

impl CodeLine<'_> {
    pub fn text(&self) -> Option<String> {
        match self {
            CodeLine::New(code) => Some(format!("本户查询码：{code}（在本社区公示页凭此码查询本户账单与收据，请妥善保管）")),
            CodeLine::Issued => Some("本户查询码已随此前的收据或通知发放；遗失可到物业服务中心补发".to_string()),
            CodeLine::Absent => None,
        }
    }
}
