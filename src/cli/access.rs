//! Users and the web server on the command line: `user add|list|disable|password|token`,
//! `street` (which street a community belongs to) and `serve`.

use std::io::BufRead;

use clap::Subcommand;

use super::{community_of, print_out, Cli, Command};
use crate::access::store::AccessStore;
use crate::access::{secret, Access, NewUser, Role};
use crate::domain::ids::CommunityId;
use crate::error::{Error, Result};
use crate::fees::store::FeesStore;
use crate::ledger::store::LedgerTx;
use crate::ledger::Ledger;

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// 新增用户；未给 --password-stdin 时生成随机密码并显示一次
    Add {
        username: String,
        /// 姓名（显示在页面和单据上）
        #[arg(long)]
        name: String,
        #[command(flatten)]
        grants: Grants,
        /// 从标准输入读取密码（一行）
        #[arg(long)]
        password_stdin: bool,
    },
    /// 重新授予角色与社区（取代原有的），例如为迁移而来、尚无密码的经办人授权
    Grant {
        username: String,
        #[command(flatten)]
        grants: Grants,
    },
    /// 列出用户
    List,
    /// 停用用户：其会话与 API 令牌立即失效
    Disable { username: String },
    /// 重设密码（其会话全部结束）；未给 --password-stdin 时生成随机密码并显示一次
    Password {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// 为用户生成 API 令牌（只显示一次，库中只存散列）
    Token {
        username: String,
        /// 令牌用途，例如 “银行对账脚本”
        #[arg(long)]
        label: String,
    },
}

/// What a user is given: `user add` and `user grant`.
#[derive(clap::Args, Debug)]
pub struct Grants {
    /// 角色：admin 系统管理员、accountant 会计、reviewer 审核、cashier 出纳、finance_office 街道财政所、auditor 审计（可重复）
    #[arg(long = "role", required = true)]
    roles: Vec<String>,
    /// 可访问的社区名称（可重复；省略时为 --community 或唯一的社区，系统管理员与街道财政所可不指定）
    #[arg(long = "in")]
    communities: Vec<String>,
    /// 街道财政所用户所属的街道：可查看该街道的全部社区
    #[arg(long, default_value = "")]
    street: String,
}

/// A password read from stdin, or a new random one (shown once).
fn password(from_stdin: bool) -> Result<(String, bool)> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        return Ok((line.trim_end_matches(['\r', '\n']).to_string(), false));
    }
    Ok((secret::random_token()[..16].to_string(), true))
}

pub async fn run<S: crate::app::AppStore>(ledger: &Ledger<S>, cli: &Cli) -> Result<Option<i32>> {
    let access = Access::new(ledger.store.clone());
    match &cli.command {
        Command::User(cmd) => user(ledger, &access, cli, cmd).await?,
        Command::Street { street } => {
            let c = community_of(ledger, cli).await?;
            access.set_street(c.id, street).await?;
            print_out(&format!("社区“{}”属于街道“{}”\n", c.name, street.trim()));
        }
        Command::Serve { listen, verify_every_minutes, public_url } => {
            crate::http::init_logging();
            let every = std::time::Duration::from_secs(60 * verify_every_minutes);
            crate::http::serve(ledger.store.clone(), listen, "", every, public_url.as_deref()).await?;
        }
        _ => return Ok(None),
    }
    Ok(Some(0))
}

/// The roles of `--role` and the communities of `--in` (or of the command, for a user whose
/// roles work inside communities).
async fn grants<S: FeesStore>(ledger: &Ledger<S>, cli: &Cli, given: &Grants) -> Result<(Vec<Role>, Vec<CommunityId>)> {
    let roles = given
        .roles
        .iter()
        .map(|r| {
            Role::parse(r).ok_or_else(|| {
                Error::invalid("--role", format!("“{r}”不是角色：admin、accountant、reviewer、cashier、finance_office、auditor"))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let mut ids = Vec::new();
    for c in &given.communities {
        ids.push(ledger.community(Some(c)).await?.id);
    }
    let global = roles.iter().all(|r| matches!(r, Role::Admin | Role::FinanceOffice));
    if ids.is_empty() && (!global || cli.community.is_some()) {
        ids.push(community_of(ledger, cli).await?.id);
    }
    Ok((roles, ids))
}

async fn user<S: FeesStore + AccessStore>(ledger: &Ledger<S>, access: &Access<S>, cli: &Cli, cmd: &UserCommand) -> Result<()> {
    match cmd {
        UserCommand::Grant { username, grants: given } => {
            let (roles, ids) = grants(ledger, cli, given).await?;
            let u = access.set_access(username, &roles, &ids, &given.street).await?;
            let roles = u.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join("、");
            print_out(&format!("用户 {} 现为：{roles}\n", u.username));
        }
        UserCommand::Add { username, name, grants: given, password_stdin } => {
            let (roles, ids) = grants(ledger, cli, given).await?;
            let (password, generated) = password(*password_stdin)?;
            let new = NewUser {
                username,
                display_name: name,
                roles: &roles,
                communities: &ids,
                street: &given.street,
                password: Some(&password),
            };
            let user = access.add_user(&new).await?;
            let shown = if generated { format!("，初始密码 {password}（只显示这一次）") } else { String::new() };
            print_out(&format!("已新增用户 {}（{}）{shown}\n", user.username, user.display_name));
        }
        UserCommand::List => {
            let names: Vec<(crate::domain::ids::CommunityId, String)> =
                ledger.store.read().await?.communities().await?.into_iter().map(|c| (c.id, c.name)).collect();
            let mut out = String::from("用户名\t姓名\t角色\t社区\t状态\n");
            for u in access.users().await? {
                let roles = u.roles.iter().map(|r| r.label()).collect::<Vec<_>>().join("、");
                let mut scope: Vec<String> =
                    u.communities.iter().map(|id| names.iter().find(|n| n.0 == *id).map_or(id.to_string(), |n| n.1.clone())).collect();
                if !u.street.is_empty() {
                    scope.push(format!("{}（街道）", u.street));
                }
                let state = if u.disabled {
                    "已停用"
                } else if u.can_log_in {
                    "可登录"
                } else {
                    "无密码"
                };
                out += &format!("{}\t{}\t{roles}\t{}\t{state}\n", u.username, u.display_name, scope.join("、"));
            }
            print_out(&out);
        }
        UserCommand::Disable { username } => {
            let u = access.disable(username).await?;
            print_out(&format!("已停用用户 {}\n", u.username));
        }
        UserCommand::Password { username, password_stdin } => {
            let (password, generated) = password(*password_stdin)?;
            access.set_password(username, &password).await?;
            let shown = if generated { format!("：{password}（只显示这一次）") } else { String::new() };
            print_out(&format!("已重设 {} 的密码{shown}\n", username.trim()));
        }
        UserCommand::Token { username, label } => {
            let token = access.add_token(username, label).await?;
            print_out(&format!("{token}\n（API 令牌只显示这一次；调用时加请求头 Authorization: Bearer <令牌>）\n"));
        }
    }
    Ok(())
}
