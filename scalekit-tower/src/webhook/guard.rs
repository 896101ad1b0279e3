//! Running the app's handler under a deadline, with its panics caught, so a
//! hanging or panicking handler still ends in an answer and a released claim.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt as _;

/// How one run of the handler ended.
#[derive(Debug)]
pub(crate) enum HandlerRun<E> {
    /// It returned.
    Finished(Result<(), E>),
    /// It was still running at the deadline, and was dropped.
    TimedOut(Duration),
    /// It panicked; the panic's message.
    Panicked(String),
}

/// Runs `handler` for at most `timeout`, catching a panic in it.
pub(crate) async fn run_guarded<E>(
    handler: impl Future<Output = Result<(), E>>,
    timeout: Duration,
) -> HandlerRun<E> {
    // The handler's state is dropped whole after a panic, never used again.
    let caught = AssertUnwindSafe(handler).catch_unwind();
    match tokio::time::timeout(timeout, caught).await {
        Err(_) => HandlerRun::TimedOut(timeout),
        Ok(Err(payload)) => HandlerRun::Panicked(panic_message(payload.as_ref())),
        Ok(Ok(result)) => HandlerRun::Finished(result),
    }
}

/// The text a panic was raised with, when it has one.
fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn hangs_time_out_and_panics_are_caught() {
        let hang = run_guarded(
            std::future::pending::<Result<(), ()>>(),
            Duration::from_secs(3),
        );
        assert!(matches!(hang.await, HandlerRun::TimedOut(t) if t == Duration::from_secs(3)));
        let panic = run_guarded(
            async {
                let bug = 7;
                if bug > 0 {
                    panic!("handler bug {bug}");
                }
                Ok::<(), ()>(())
            },
            Duration::from_secs(3),
        );
        assert!(matches!(panic.await, HandlerRun::Panicked(message) if message == "handler bug 7"));
        let ok = run_guarded(async { Err::<(), _>("db down") }, Duration::from_secs(3));
        assert!(matches!(ok.await, HandlerRun::Finished(Err("db down"))));
    }
}
