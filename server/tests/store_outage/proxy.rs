//! A TCP proxy that a test switches off — every connection through it cut, new ones refused
//! because its port is closed — and on again on the same port: an outage of the server behind
//! it, as its clients see one.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use tokio::{
    net::{TcpListener, TcpStream},
    task::{JoinHandle, JoinSet},
};

/// The proxy, forwarding while it is on.
pub struct SwitchableProxy {
    /// Where clients connect.
    pub address: SocketAddr,
    upstream: SocketAddr,
    forwarding: Option<JoinHandle<()>>,
}

impl SwitchableProxy {
    /// Starts forwarding a free loopback port to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let address = listener.local_addr().expect("the proxy's address");
        Self { address, upstream, forwarding: Some(tokio::spawn(forward(listener, upstream))) }
    }

    /// Cuts every connection and closes the port; returns once both are done.
    pub async fn switch_off(&mut self) {
        if let Some(task) = self.forwarding.take() {
            task.abort();
            // Its listener and its connections' sockets are dropped with it.
            let _ = task.await;
        }
    }

    /// Listens on the same port again and forwards new connections.
    pub async fn switch_on(&mut self) {
        if self.forwarding.is_none() {
            let listener = listen_again(self.address).await;
            self.forwarding = Some(tokio::spawn(forward(listener, self.upstream)));
        }
    }
}

impl Drop for SwitchableProxy {
    fn drop(&mut self) {
        if let Some(task) = &self.forwarding {
            task.abort();
        }
    }
}

/// Accepts connections and pipes each to `upstream`; dropping it drops them all.
async fn forward(listener: TcpListener, upstream: SocketAddr) {
    let mut connections = JoinSet::new();
    loop {
        let Ok((mut client, _)) = listener.accept().await else { continue };
        connections.spawn(async move {
            if let Ok(mut server) = TcpStream::connect(upstream).await {
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            }
        });
        while connections.try_join_next().is_some() {}
    }
}

/// Binds `address` again (tokio sets `SO_REUSEADDR`, so the closed connections' `TIME_WAIT`
/// does not hold the port).
async fn listen_again(address: SocketAddr) -> TcpListener {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match TcpListener::bind(address).await {
            Ok(listener) => return listener,
            Err(error) if Instant::now() < deadline => {
                eprintln!("the proxy cannot listen on {address} again yet ({error}); retrying");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(error) => panic!("the proxy could not listen on {address} again within 5 s: {error}"),
        }
    }
}
