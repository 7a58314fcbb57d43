//! Batched waiters: lookups by id that run at the same moment share one Describe call.
//!
//! A waiter asks [`Coalescer::get`] for the current description of its object. The first
//! request starts a batch task; requests arriving while a Describe call is in flight join the
//! next call. So N waiters polling at once cost one call (per page), not N, whatever order
//! they arrive in. The batch task is spawned, not run by a caller, so a caller that gives up
//! (a timeout, a cancelled apply) never strands the others.

use crate::provider::ProviderError;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use tokio::sync::oneshot;

/// Describes a batch of ids: what it returns for each id that exists.
pub(crate) type Fetch<T> = Arc<
    dyn Fn(
            Vec<String>,
        )
            -> Pin<Box<dyn Future<Output = Result<HashMap<String, T>, ProviderError>> + Send>>
        + Send
        + Sync,
>;

type Reply<T> = oneshot::Sender<Result<Option<T>, ProviderError>>;

struct Queue<T> {
    waiting: Vec<(String, Reply<T>)>,
    running: bool,
}

/// Coalesces lookups of one kind of object.
pub(crate) struct Coalescer<T> {
    queue: Arc<Mutex<Queue<T>>>,
}

impl<T> Default for Coalescer<T> {
    fn default() -> Self {
        Coalescer {
            queue: Arc::new(Mutex::new(Queue {
                waiting: Vec::new(),
                running: false,
            })),
        }
    }
}

impl<T> std::fmt::Debug for Coalescer<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Coalescer")
    }
}

impl<T: Clone + Send + 'static> Coalescer<T> {
    /// The object `id` as the next batched call describes it (`None`: it does not exist).
    /// `fetch` runs the call; callers of one coalescer pass equivalent functions.
    pub(crate) async fn get(&self, id: &str, fetch: Fetch<T>) -> Result<Option<T>, ProviderError> {
        let (tx, rx) = oneshot::channel();
        let start = {
            let mut q = self
                .queue
                .lock()
                .map_err(|_| ProviderError::Other("waiter queue lock poisoned".into()))?;
            q.waiting.push((id.to_string(), tx));
            !std::mem::replace(&mut q.running, true)
        };
        if start {
            tokio::spawn(run(self.queue.clone(), fetch));
        }
        rx.await.unwrap_or_else(|_| {
            Err(ProviderError::Other(
                "a batched Describe call ended without an answer".into(),
            ))
        })
    }
}

async fn run<T: Clone + Send + 'static>(queue: Arc<Mutex<Queue<T>>>, fetch: Fetch<T>) {
    // Let requests made in the same instant join the first call.
    tokio::task::yield_now().await;
    loop {
        let batch = {
            let Ok(mut q) = queue.lock() else { return };
            if q.waiting.is_empty() {
                q.running = false;
                return;
            }
            std::mem::take(&mut q.waiting)
        };
        let mut ids: Vec<String> = batch.iter().map(|(id, _)| id.clone()).collect();
        ids.sort();
        ids.dedup();
        let result = fetch(ids).await;
        for (id, reply) in batch {
            let _ = reply.send(match &result {
                Ok(found) => Ok(found.get(&id).cloned()),
                Err(e) => Err(e.clone()),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn counting(calls: Arc<AtomicUsize>) -> Fetch<usize> {
        Arc::new(move |ids: Vec<String>| {
            let calls = calls.clone();
            Box::pin(async move {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                Ok(ids
                    .into_iter()
                    .filter(|i| i != "gone")
                    .map(|i| (i.clone(), i.len()))
                    .collect())
            })
        })
    }

    #[tokio::test]
    async fn concurrent_lookups_share_one_call() {
        let c = Coalescer::<usize>::default();
        let calls = Arc::new(AtomicUsize::new(0));
        let f = counting(calls.clone());
        let ids = ["a", "bb", "ccc", "gone", "a"];
        let results = futures_join(
            ids.iter()
                .map(|id| c.get(id, f.clone()))
                .collect::<Vec<_>>(),
        )
        .await;
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        let got: Vec<Option<usize>> = results.into_iter().map(Result::unwrap).collect();
        assert_eq!(got, [Some(1), Some(2), Some(3), None, Some(1)]);
        // The batch task ended; a later lookup starts a new call.
        assert_eq!(c.get("dd", f).await.unwrap(), Some(2));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn errors_reach_every_waiter_of_the_batch() {
        let c = Coalescer::<usize>::default();
        let f: Fetch<usize> = Arc::new(|_ids| {
            Box::pin(async {
                Err(ProviderError::Api {
                    code: "Throttling".into(),
                    message: "slow down".into(),
                })
            })
        });
        let r = futures_join(vec![c.get("a", f.clone()), c.get("b", f)]).await;
        assert!(r
            .iter()
            .all(|x| matches!(x, Err(ProviderError::Api { .. }))));
    }

    /// Polls all futures to completion on this task (no extra dependency).
    async fn futures_join<F: Future>(fs: Vec<F>) -> Vec<F::Output> {
        let mut fs: Vec<Pin<Box<F>>> = fs.into_iter().map(Box::pin).collect();
        let mut out: Vec<Option<F::Output>> = fs.iter().map(|_| None).collect();
        std::future::poll_fn(|cx| {
            let mut pending = false;
            for (i, f) in fs.iter_mut().enumerate() {
                if out[i].is_none() {
                    match f.as_mut().poll(cx) {
                        std::task::Poll::Ready(v) => out[i] = Some(v),
                        std::task::Poll::Pending => pending = true,
                    }
                }
            }
            if pending {
                std::task::Poll::Pending
            } else {
                std::task::Poll::Ready(())
            }
        })
        .await;
        out.into_iter().map(Option::unwrap).collect()
    }
}
