//! The parallelism slot a provider call runs in, and where its waiter status goes.
//!
//! `-parallelism N` bounds concurrent *mutating* API calls, not waits. The apply engine
//! acquires a permit before calling the provider and runs the call inside [`CallSlot::run`];
//! provider code wraps every wait (polling until an instance is running, an RDS instance is
//! available, ...) in [`waiting`], which gives the permit back for the length of the wait and
//! takes it again before the provider's next call. Outside [`CallSlot::run`] (refresh, tests)
//! [`waiting`] only runs its future.
//!
//! Invariant: while a call runs inside a slot, it holds the permit exactly when it is not
//! inside [`waiting`].

use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Receives waiter status lines ("waiting for instance i-123 to be running").
pub type StatusFn = Arc<dyn Fn(&str) + Send + Sync>;

/// One provider call's slot: the semaphore it draws from and the permit it holds.
pub struct CallSlot {
    calls: Arc<Semaphore>,
    permit: Mutex<Option<OwnedSemaphorePermit>>,
    status: Option<StatusFn>,
}

tokio::task_local! {
    static SLOT: Arc<CallSlot>;
}

impl CallSlot {
    /// Waits for a permit of `calls`; the slot holds it until it is dropped.
    pub async fn acquire(calls: Arc<Semaphore>, status: Option<StatusFn>) -> Arc<CallSlot> {
        // The engine never closes its semaphore; a closed one means "no limit".
        let permit = calls.clone().acquire_owned().await.ok();
        Arc::new(CallSlot {
            calls,
            permit: Mutex::new(permit),
            status,
        })
    }

    /// Runs `f` (a provider call) in this slot, so that its waits release the permit.
    pub async fn run<F: Future>(self: &Arc<Self>, f: F) -> F::Output {
        SLOT.scope(self.clone(), f).await
    }

    fn release(&self) {
        if let Ok(mut p) = self.permit.lock() {
            p.take();
        }
    }

    async fn reacquire(&self) {
        let permit = self.calls.clone().acquire_owned().await.ok();
        if let Ok(mut p) = self.permit.lock() {
            *p = permit;
        }
    }

    /// Whether the slot holds its permit now (for tests of the invariant).
    pub fn holds_permit(&self) -> bool {
        self.permit.lock().map(|p| p.is_some()).unwrap_or(false)
    }
}

/// Reports `status` for the current call, if it runs in a slot with a status receiver.
pub fn report(status: &str) {
    let _ = SLOT.try_with(|s| {
        if let Some(f) = &s.status {
            f(status);
        }
    });
}

/// Runs `wait` without holding the current call's parallelism permit, reporting `status`
/// first; the permit is taken again before returning.
pub async fn waiting<F: Future>(status: &str, wait: F) -> F::Output {
    let Ok(slot) = SLOT.try_with(Arc::clone) else {
        return wait.await;
    };
    if let Some(f) = &slot.status {
        f(status);
    }
    slot.release();
    let out = wait.await;
    slot.reacquire().await;
    out
}

/// Whether the current task runs in a slot that holds its permit (`None` outside a slot).
pub fn current_holds_permit() -> Option<bool> {
    SLOT.try_with(|s| s.holds_permit()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_free_the_permit_and_take_it_back() {
        let calls = Arc::new(Semaphore::new(1));
        let seen = Arc::new(Mutex::new(Vec::<String>::new()));
        let s2 = seen.clone();
        let status: StatusFn = Arc::new(move |m: &str| s2.lock().unwrap().push(m.to_string()));
        let slot = CallSlot::acquire(calls.clone(), Some(status)).await;
        let calls2 = calls.clone();
        slot.run(async move {
            assert_eq!(current_holds_permit(), Some(true));
            assert_eq!(calls2.available_permits(), 0);
            waiting("waiting for x", async {
                assert_eq!(current_holds_permit(), Some(false));
                // Another call can take the only permit while this one waits.
                let other = calls2.clone().try_acquire_owned();
                assert!(other.is_ok());
            })
            .await;
            assert_eq!(current_holds_permit(), Some(true));
        })
        .await;
        assert_eq!(seen.lock().unwrap().as_slice(), ["waiting for x"]);
        drop(slot);
        assert_eq!(calls.available_permits(), 1);
    }

    #[tokio::test]
    async fn outside_a_slot_waiting_just_runs() {
        assert_eq!(current_holds_permit(), None);
        assert_eq!(waiting("w", async { 7 }).await, 7);
    }
}
