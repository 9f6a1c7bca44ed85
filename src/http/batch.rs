//! Payments by group commit. Every payment the server takes waits in a queue (on SQLite one,
//! read by a task beside the writer; on PostgreSQL one per book and cashier, `Lanes`, whose
//! groups COMMITS_SIDE_BY_SIDE committers take). The payments waiting while the last
//! transaction committed are gathered (under load, waiting a moment for the clients just
//! answered: `linger`) and recorded together (`Fees::pay_groups`): one transaction, one
//! commit (one fsync on PostgreSQL) for all of them, each still with its own receipt number,
//! voucher and answer, one INSERT of each kind for all the groups' rows (`record_groups_in`),
//! and, should one be refused, each group in a transaction of its own and each payment in a
//! savepoint, so that it leaves the others standing. Alone, a payment is a batch of one. The
//! audit entries of a batch's payments are written in its transaction: a payment is never
//! kept without its audit line.
//!
//! On Citus a transaction writes one community's rows only (one that wrote two would commit
//! on both their workers, two-phase): there each group commits in a transaction of its own.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{NaiveDate, Utc};
use tokio::sync::{mpsc, oneshot};

use super::extract::Caller;
use crate::access::store::AccessTx;
use crate::access::AuditEntry;
use crate::app::AppStore;
use crate::domain::ids::{BillId, BookKey, HouseholdId, UserId};
use crate::domain::money::Fen;
use crate::error::{Error, Result};
use crate::fees::{Alongside, Fees, Method, PaymentGroup, PaymentNote, PaymentRequest, Receipt};
use crate::ledger::Book;

/// Transactions of payments committing at once on PostgreSQL: half of a process's
/// connections, so that pages and other requests still find one. Each waits mostly on its
/// round trips and its commit's flush, not on the cores: with four at a time a district's
/// fifty cashiers left a fifth of the two cores idle.
const COMMITS_SIDE_BY_SIDE: usize = crate::store::PG_CONNECTIONS as usize / 2;

/// Payments recorded in one transaction at most.
const MAX_BATCH: usize = 64;

/// How long a batch waits, at most, for the clients the last one answered (see `linger`).
/// Tokio's timer ticks by the millisecond, so a wait that runs out lasts one to two.
const LINGER: std::time::Duration = std::time::Duration::from_millis(1);

/// A payment as it waits in the queue.
struct Job {
    /// Shared, not copied: a book carries its whole chart.
    book: Arc<Book>,
    household_id: HouseholdId,
    amount: Fen,
    method: Method,
    paid_on: NaiveDate,
    key: String,
    cashier: String,
    bill_ids: Option<Vec<BillId>>,
    /// The till's 交易单号, remark and 补录原因.
    note: [Option<String>; 3],
    /// Who asked, for the audit log: user id, address, request id.
    user_id: Option<UserId>,
    address: String,
    request_id: String,
    reply: oneshot::Sender<Result<Receipt>>,
}

impl Job {
    fn request(&self) -> PaymentRequest<'_> {
        PaymentRequest {
            household_id: self.household_id,
            amount: self.amount,
            method: self.method,
            paid_on: self.paid_on,
            idempotency_key: &self.key,
            cashier: &self.cashier,
            bill_ids: self.bill_ids.clone(),
            note: PaymentNote { reference: self.note[0].as_deref(), remark: self.note[1].as_deref(), late_reason: self.note[2].as_deref() },
        }
    }
}

/// The queues of payments to record.
#[derive(Clone)]
pub struct Payments {
    route: Route,
}

/// Where a payment waits to be recorded.
#[derive(Clone)]
enum Route {
    /// SQLite: the one queue of the thread beside the writer.
    One(mpsc::Sender<Job>),
    /// PostgreSQL: its book's and cashier's lane.
    Lanes(Arc<Lanes>),
}

/// PostgreSQL: each book's and cashier's payments go to a lane of their own (a task running
/// `lane`), which gathers them while its previous group commits, so that a community's
/// cashier never waits for another's batch to be gathered. A lane hands its group to the
/// committers (COMMITS_SIDE_BY_SIDE tasks running `commit_ready`): each takes the groups ready
/// and records them in one transaction (on Citus, one group a transaction), while the lanes
/// gather their next. A request hands its payment to its lane itself: a task passing them on
/// would wake once more for each. (Fifty lanes each committing its own group, eight at a time,
/// took a district's fifty cashiers' payments at 651/s, 2.92 ms of the machine's CPU each;
/// their groups sharing transactions, 799/s at 2.26 ms, side by side.)
struct Lanes {
    open: std::sync::Mutex<HashMap<(BookKey, String), mpsc::Sender<Job>>>,
    /// Starts a lane's task and returns its queue.
    start: Box<dyn Fn() -> mpsc::Sender<Job> + Send + Sync>,
}

impl Lanes {
    fn of(&self, job: &Job) -> mpsc::Sender<Job> {
        // Held for a lookup or a spawn, never across an await.
        let mut open = self.open.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        open.entry((job.book.key(), job.cashier.clone())).or_insert_with(|| (self.start)()).clone()
    }
}

/// A lane's group, ready to be recorded; `done` says it was.
struct Ready {
    group: Vec<Job>,
    done: oneshot::Sender<()>,
}

impl Payments {
    pub fn start<S: AppStore>(fees: Fees<S>) -> Payments {
        if !fees.store().pinned_writer() {
            let (ready, groups) = mpsc::channel(4 * MAX_BATCH);
            let groups = Arc::new(tokio::sync::Mutex::new(groups));
            for _ in 0..COMMITS_SIDE_BY_SIDE {
                tokio::spawn(commit_ready(fees.clone(), groups.clone()));
            }
            let start = move || {
                let (lane_queue, jobs) = mpsc::channel(4 * MAX_BATCH);
                tokio::spawn(lane(jobs, ready.clone()));
                lane_queue
            };
            return Payments { route: Route::Lanes(Arc::new(Lanes { open: Default::default(), start: Box::new(start) })) };
        }
        let (queue, jobs) = mpsc::channel(4 * MAX_BATCH);
        // SQLite: the batches are recorded on a thread of their own, pinned beside the writer's
        // worker, as the command line records its payments (see `store::affinity`). On the
        // web benchmark: 2,138–2,492 payments/s against 1,480–1,520 from a tokio worker,
        // whose statements each woke the writer on the other core.
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
        let started = runtime.map_err(std::io::Error::other).and_then(|runtime| {
            std::thread::Builder::new().name("mz-payments".into()).spawn(move || {
                crate::store::pin_writer_beside_caller();
                runtime.block_on(record(fees, jobs));
            })
        });
        if let Err(e) = started {
            // Without the thread every payment answers "unavailable" (the queue is closed):
            // said loudly here, once.
            tracing::error!("收款线程未能启动：{e}");
        }
        Payments { route: Route::One(queue) }
    }

    /// Records a payment (with the others waiting) and returns its answer.
    pub async fn pay(&self, book: &Arc<Book>, req: &PaymentRequest<'_>, caller: &Caller) -> Result<Receipt> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            book: book.clone(),
            household_id: req.household_id,
            amount: req.amount,
            method: req.method,
            paid_on: req.paid_on,
            key: req.idempotency_key.to_string(),
            cashier: req.cashier.to_string(),
            bill_ids: req.bill_ids.clone(),
            note: [req.note.reference, req.note.remark, req.note.late_reason].map(|t| t.map(str::to_string)),
            user_id: caller.user.as_ref().map(|u| u.id),
            address: caller.address.clone(),
            request_id: caller.request_id.clone(),
            reply,
        };
        let gone = || Error::Unavailable("收款服务未运行，请稍后重试".into());
        let queue = match &self.route {
            Route::One(queue) => queue.clone(),
            Route::Lanes(lanes) => lanes.of(&job),
        };
        // A lane's task ends only with the server; should it have, the answer is "unavailable".
        queue.send(job).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

/// The audit entries of a group's new payments, written in the payments' own transaction.
struct AuditOf<'a>(&'a [Job]);

impl<T: AccessTx> Alongside<T> for AuditOf<'_> {
    async fn write(&self, tx: &mut T, new: &[Option<&Receipt>]) -> Result<()> {
        let targets: Vec<Option<String>> =
            new.iter().map(|r| r.map(|r| format!("收据 {} {} {}", r.label, r.household, r.amount))).collect();
        let entries: Vec<AuditEntry<'_>> = self
            .0
            .iter()
            .zip(&targets)
            .filter_map(|(job, target)| {
                target.as_deref().map(|target| AuditEntry {
                    user_id: job.user_id,
                    username: &job.cashier,
                    community_id: Some(job.book.row.community_id),
                    action: "payment",
                    target,
                    address: &job.address,
                    request_id: &job.request_id,
                })
            })
            .collect();
        if entries.is_empty() {
            return Ok(());
        }
        tx.insert_audit(&entries, Utc::now()).await
    }
}

/// SQLite: gathers the payments waiting into batches and records each in one transaction, as
/// groups of one book's and cashier's payments (who posts the group's vouchers).
async fn record<S: AppStore>(fees: Fees<S>, mut jobs: mpsc::Receiver<Job>) {
    // The payments in flight when the last batch was answered: its own clients, who may be
    // about to send their next one, and those that had queued meanwhile.
    let mut in_flight = 0;
    while let Some(mut batch) = gather(&mut jobs, in_flight).await {
        let answered = batch.len();
        let mut groups = Vec::new();
        while !batch.is_empty() {
            let (book, cashier) = (batch[0].book.key(), batch[0].cashier.clone());
            let (group, rest): (Vec<Job>, Vec<Job>) = batch.into_iter().partition(|j| j.book.key() == book && j.cashier == cashier);
            groups.push(group);
            batch = rest;
        }
        record_groups(&fees, groups).await;
        in_flight = answered + jobs.len();
    }
}

/// PostgreSQL: a lane gathers its book's and cashier's payments into a group, hands it to the
/// committers and waits until it is recorded before gathering the next.
async fn lane(mut jobs: mpsc::Receiver<Job>, ready: mpsc::Sender<Ready>) {
    let mut in_flight = 0;
    while let Some(group) = gather(&mut jobs, in_flight).await {
        let answered = group.len();
        let (done, recorded) = oneshot::channel();
        if ready.send(Ready { group, done }).await.is_err() {
            return;
        }
        let _ = recorded.await;
        in_flight = answered + jobs.len();
    }
}

/// PostgreSQL: one of the committers. Takes the groups ready (the queue held meanwhile, so the
/// others take the groups after): where a transaction may span communities, as many lanes'
/// groups as wait (MAX_BATCH at most), and under load those of the lanes it has just answered
/// (`linger`); records them in one transaction and tells their lanes.
async fn commit_ready<S: AppStore>(fees: Fees<S>, ready: Arc<tokio::sync::Mutex<mpsc::Receiver<Ready>>>) {
    let together = fees.store().transactions_span_communities();
    let mut in_flight = 0;
    loop {
        let taken = {
            let mut ready = ready.lock().await;
            let Some(first) = ready.recv().await else { return };
            let mut taken = vec![first];
            if together {
                tokio::task::yield_now().await;
                drain(&mut ready, &mut taken);
                if in_flight > 1 {
                    linger(&mut ready, &mut taken, in_flight.min(MAX_BATCH)).await;
                }
            }
            taken
        };
        in_flight = taken.len();
        let (groups, done): (Vec<Vec<Job>>, Vec<oneshot::Sender<()>>) = taken.into_iter().map(|r| (r.group, r.done)).unzip();
        record_groups(&fees, groups).await;
        for done in done {
            let _ = done.send(());
        }
    }
}

/// The next batch: the first payment to come and those waiting behind it, and, under load,
/// those of the clients `in_flight` (see `linger`). None once the queue is closed.
async fn gather(jobs: &mut mpsc::Receiver<Job>, in_flight: usize) -> Option<Vec<Job>> {
    let first = jobs.recv().await?;
    // Let the requests already being parsed on the other workers reach the queue, so a
    // batch gathers them rather than leaving them to the next commit.
    tokio::task::yield_now().await;
    let mut batch = vec![first];
    drain(jobs, &mut batch);
    if in_flight > 1 {
        linger(jobs, &mut batch, in_flight.min(MAX_BATCH)).await;
    }
    Some(batch)
}

/// Records groups of payments in one transaction (`Fees::pay_groups`) and answers each.
async fn record_groups<S: AppStore>(fees: &Fees<S>, groups: Vec<Vec<Job>>) {
    let started = std::time::Instant::now();
    let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
    let jobs: Vec<Job> = groups.into_iter().flatten().collect();
    let answers = {
        let requests: Vec<PaymentRequest<'_>> = jobs.iter().map(Job::request).collect();
        let (mut each, mut start) = (Vec::with_capacity(sizes.len()), 0);
        for size in sizes {
            each.push(PaymentGroup { book: &jobs[start].book, reqs: &requests[start..start + size] });
            start += size;
        }
        fees.pay_groups(&each, &AuditOf(&jobs)).await
    };
    crate::http::metrics::payment_batch(jobs.len(), started.elapsed());
    let answers: Vec<Result<Receipt>> = answers.into_iter().flatten().collect();
    let new = answers.iter().filter(|a| a.as_ref().is_ok_and(|r| !r.replayed)).count();
    crate::http::metrics::add("payments", new as u64);
    for (job, answer) in jobs.into_iter().zip(answers) {
        let _ = job.reply.send(answer);
    }
}

/// Adds the payments already waiting to `batch`, up to a batch's limit.
fn drain<J>(jobs: &mut mpsc::Receiver<J>, batch: &mut Vec<J>) {
    while batch.len() < MAX_BATCH {
        match jobs.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
}

/// Waits (at most `LINGER`) until `batch` holds `expected` payments, as PostgreSQL's
/// `commit_delay` waits for other commits to share its flush. Under a steady load the clients
/// answered by one commit send their next payment while the next batch is being recorded, so
/// without the wait the clients settle into two cohorts taking turns, each with half the
/// commits' room; waiting for the clients just answered (a loopback round trip, well under a
/// millisecond) lets them share one. A lone payment (the last batch held one) never waits; a
/// client that does not come back costs one wait, after which `expected` follows the load.
async fn linger<J>(jobs: &mut mpsc::Receiver<J>, batch: &mut Vec<J>, expected: usize) {
    let deadline = tokio::time::Instant::now() + LINGER;
    while batch.len() < expected {
        match tokio::time::timeout_at(deadline, jobs.recv()).await {
            Ok(Some(job)) => {
                batch.push(job);
                drain(jobs, batch);
            }
            Ok(None) | Err(_) => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::sync::mpsc;
    use tokio::time::{sleep, Instant};

    use super::{linger, LINGER};

    /// When a client comes back: soon (after the other tasks have run a few times, as a
    /// loopback round trip) or after a while.
    enum Back {
        Soon,
        After(Duration),
    }

    /// Sends `jobs` one after another, as clients coming back.
    fn clients(queue: mpsc::Sender<u32>, jobs: Vec<(Back, u32)>) {
        tokio::spawn(async move {
            for (back, job) in jobs {
                match back {
                    Back::Soon => {
                        for _ in 0..3 {
                            tokio::task::yield_now().await;
                        }
                    }
                    Back::After(gap) => sleep(gap).await,
                }
                let _ = queue.send(job).await;
            }
            // Held open a while, so that a closed queue does not end the wait early.
            sleep(LINGER * 10).await;
        });
    }

    #[tokio::test(start_paused = true)]
    async fn a_batch_waits_for_the_clients_expected_and_no_longer() {
        let (queue, mut jobs) = mpsc::channel(16);
        clients(queue, vec![(Back::Soon, 2), (Back::Soon, 3), (Back::After(LINGER / 2), 4)]);
        let started = Instant::now();
        let mut batch = vec![1];
        linger(&mut jobs, &mut batch, 3).await;
        assert_eq!(batch, vec![1, 2, 3], "the two expected joined; the one after them was not waited for");
        assert_eq!(started.elapsed(), Duration::ZERO, "answered as the last expected payment came");
    }

    #[tokio::test(start_paused = true)]
    async fn a_client_that_does_not_come_back_costs_one_wait() {
        let (queue, mut jobs) = mpsc::channel(16);
        clients(queue, vec![(Back::Soon, 2)]);
        let started = Instant::now();
        let mut batch = vec![1];
        linger(&mut jobs, &mut batch, 4).await;
        assert_eq!(batch, vec![1, 2]);
        let waited = started.elapsed();
        assert!(waited >= LINGER && waited <= LINGER * 2, "gave up at the deadline, waited {waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn those_already_waiting_join_without_a_wait() {
        let (queue, mut jobs) = mpsc::channel(16);
        for job in 2..=5 {
            queue.send(job).await.unwrap();
        }
        let started = Instant::now();
        let mut batch = vec![1];
        linger(&mut jobs, &mut batch, 3).await;
        assert_eq!(batch, vec![1, 2, 3, 4, 5], "all that wait join, even past the number expected");
        assert_eq!(started.elapsed(), Duration::ZERO);
        drop(queue);
        let mut alone = vec![6];
        linger(&mut jobs, &mut alone, 3).await;
        assert_eq!(alone, vec![6], "a closed queue ends the wait");
    }
}
