//! `mingzhang disclose` (draft a period's pack, write it, and with --publish have a reviewer
//! publish it) and `mingzhang check-pack` (check a written pack offline).

use std::path::{Path, PathBuf};

use clap::Args;

use super::{community_of, print_out, Cli, Command};
use crate::access::{Access, Act};
use crate::disclosure::check::{check_pack, check_proof};
use crate::disclosure::definition::DisclosurePeriod;
use crate::disclosure::formats;
use crate::disclosure::merkle::Proof;
use crate::disclosure::pack::Pack;
use crate::disclosure::publish;
use crate::error::{Error, Result};
use crate::ledger::Ledger;

#[derive(Args, Debug)]
pub struct DiscloseArgs {
    /// 公示期间：月份 2025-03、季度 2025-Q1 或年度 2025
    #[arg(long)]
    pub period: String,
    /// 写出公示包的文件夹：pack.json 及每项公示的 PDF、CSV、HTML
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// 编制人（会计）
    #[arg(long)]
    pub user: String,
    /// 编制后即由 --approver 审核发布（期间须已结账）
    #[arg(long, requires = "approver")]
    pub publish: bool,
    /// 审核发布人（审核员，不得为编制人）
    #[arg(long)]
    pub approver: Option<String>,
    /// 更正已发布的期间时，写明更正原因
    #[arg(long, default_value = "")]
    pub reason: String,
    /// 网上公示的地址（印在 PDF 上，二维码指向它）
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub public_url: String,
}

pub async fn run<S: crate::app::AppStore>(ledger: &Ledger<S>, cli: &Cli) -> Result<Option<i32>> {
    if let Command::MemberNames { distribution, decision, user } = &cli.command {
        let community = community_of(ledger, cli).await?;
        let books = publish::pack_books(&ledger.store, community.id).await?;
        let collective = books.collective.ok_or_else(|| Error::not_found("集体经济组织的账套"))?;
        crate::disclosure::members::show_names(ledger, &collective, *distribution, decision, user).await?;
        print_out(&format!("收益分配 #{distribution} 的成员姓名及分配额将在成员专页公示（{}）\n", decision.trim()));
        return Ok(Some(0));
    }
    let Command::Disclose(args) = &cli.command else { return Ok(None) };
    let period = DisclosurePeriod::parse(&args.period)
        .ok_or_else(|| Error::invalid("--period", format!("“{}”不是公示期间，应写作 2025-03、2025-Q1 或 2025", args.period)))?;
    let community = community_of(ledger, cli).await?;
    let store = &ledger.store;
    if let Some(approver) = &args.approver {
        Access::new(store.clone()).actor("--approver", approver, &community, Act::Review).await?;
    }
    let (pack, mut out) = match (&args.approver, args.publish) {
        (Some(approver), true) => {
            let p = publish::draft_and_publish(store, &community, &period, &args.reason, &args.user, approver).await?;
            let mut out =
                format!("已编制 {} 的公示，由 {approver} 审核发布为第 {} 版，指纹 {}\n", period.label(), p.version, p.fingerprint);
            for change in p.changes.lines() {
                out += &format!("  更正：{change}\n");
            }
            (publish::published_pack(store, community.id, &p, &args.public_url).await?, out)
        }
        _ => {
            let (id, content) = publish::draft(store, &community, &period, &args.reason, &args.user).await?;
            let out = format!("已编制 {} 的公示草稿 #{id}（{} 项公示），待审核发布\n", content.label, content.disclosures.len());
            (publish::draft_pack(store, community.id, id).await?.1, out)
        }
    };
    if let Some(dir) = &args.out {
        write_pack(dir, &pack)?;
        out += &format!("已写出到 {}\n", dir.display());
    }
    print_out(&out);
    Ok(Some(0))
}

/// Writes pack.json and each disclosure's PDF, CSV and HTML into `dir`.
pub fn write_pack(dir: &Path, pack: &Pack) -> Result<()> {
    let io = |e: std::io::Error| Error::invalid("--out", format!("无法写入 {}：{}", dir.display(), crate::error::io_reason(&e)));
    std::fs::create_dir_all(dir).map_err(io)?;
    let json = serde_json::to_string_pretty(pack).map_err(|e| Error::Conflict(e.to_string()))?;
    std::fs::write(dir.join("pack.json"), json + "\n").map_err(io)?;
    let publication = pack.publication.as_ref();
    for d in &pack.content.disclosures {
        std::fs::write(dir.join(format!("{}.pdf", d.id)), formats::pdf(d, &pack.content, &pack.fingerprint, publication)?).map_err(io)?;
        std::fs::write(dir.join(format!("{}.csv", d.id)), formats::csv(d, &pack.content)).map_err(io)?;
        std::fs::write(dir.join(format!("{}.html", d.id)), formats::html_page(d, &pack.content, &pack.fingerprint, publication))
            .map_err(io)?;
    }
    Ok(())
}

/// `check-pack DIR`: the pack's own arithmetic, fingerprints and trees, and every proof file
/// (a JSON with a receipt_number) beside it. Exit code 2 when anything does not hold.
pub fn check_pack_dir(dir: &Path) -> Result<i32> {
    let io =
        |p: &Path, e: std::io::Error| Error::invalid("check-pack", format!("无法读取 {}：{}", p.display(), crate::error::io_reason(&e)));
    let path = if dir.is_dir() { dir.join("pack.json") } else { dir.to_path_buf() };
    let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
    let pack: Pack =
        serde_json::from_str(&text).map_err(|e| Error::invalid("check-pack", format!("{} 不是 mingzhang 公示包：{e}", path.display())))?;
    let mut findings = check_pack(&pack);
    let mut proofs = Vec::new();
    if dir.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).map_err(|e| io(dir, e))?.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries.iter().filter(|p| p.extension().is_some_and(|e| e == "json") && p.file_name().is_some_and(|n| n != "pack.json")) {
            let text = std::fs::read_to_string(p).map_err(|e| io(p, e))?;
            let Ok(proof) = serde_json::from_str::<Proof>(&text) else { continue };
            match check_proof(&pack, &proof) {
                Ok(month) => proofs.push(format!("收据 {} 计入 {month} 公示的收款合计：核对通过", proof.receipt_number)),
                Err(e) => findings.push(format!("{}：{e}", p.display())),
            }
        }
    }
    let c = &pack.content;
    let mut out = format!("{} {} 公示包（{} 项公示，{} 个月的收款树）\n", c.community.name, c.label, c.disclosures.len(), c.trees.len());
    for line in &proofs {
        out += &format!("{line}\n");
    }
    if findings.is_empty() {
        out += "算术、指纹与收款树核对无误\n";
        print_out(&out);
        return Ok(0);
    }
    for f in &findings {
        out += &format!("✗ {f}\n");
    }
    print_out(&out);
    Ok(2)
}
