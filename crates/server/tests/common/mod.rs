//! A server on a real socket for the integration tests: its own runtime on a
//! thread of its own, stopped and joined on `stop` or drop.
#![allow(dead_code)]

use std::sync::Arc;

use brightline_server::AppState;

pub struct Running {
    pub base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    pub fn spawn(state: Arc<AppState>) -> Running {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            rt.block_on(brightline_server::serve_on(listener, state, async {
                let _ = rx.await;
            }))
            .unwrap();
        });
        Running {
            base: format!("http://{addr}"),
            stop: Some(tx),
            thread: Some(thread),
        }
    }

    /// Shuts the server down (queued log appends are committed first) and waits for it.
    pub fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop();
    }
}
