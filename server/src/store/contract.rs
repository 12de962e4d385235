//! The behaviour every [`Store`] backend must have, as one test suite run against each of them
//! (memory, SQLite, Redis). Time-dependent checks use real time with short TTLs, because Redis
//! expires keys by its own clock.

use std::{sync::Arc, time::Duration};

use super::{Namespace, Store, Swap};

const NS: Namespace = Namespace::Code;

/// Runs the whole contract against `store`. `prefix` keeps keys of parallel runs apart.
pub async fn run(store: Arc<dyn Store>, prefix: &str) {
    let k = |name: &str| format!("{prefix}:{name}");
    store.ping().await.expect("ping");

    // get / put / delete, and namespaces are separate key spaces.
    assert_eq!(store.get(NS, &k("a")).await.unwrap(), None);
    store.put(NS, &k("a"), b"1".to_vec(), None).await.unwrap();
    assert_eq!(store.get(NS, &k("a")).await.unwrap().as_deref(), Some(&b"1"[..]));
    assert_eq!(store.get(Namespace::Grant, &k("a")).await.unwrap(), None);
    store.put(NS, &k("a"), b"2".to_vec(), None).await.unwrap();
    assert_eq!(store.get(NS, &k("a")).await.unwrap().as_deref(), Some(&b"2"[..]), "put overwrites");
    assert!(store.delete(NS, &k("a")).await.unwrap());
    assert!(!store.delete(NS, &k("a")).await.unwrap());
    assert_eq!(store.get(NS, &k("a")).await.unwrap(), None);

    // Binary values survive unchanged.
    let bytes: Vec<u8> = (0..=255).collect();
    store.put(NS, &k("bin"), bytes.clone(), None).await.unwrap();
    assert_eq!(store.get(NS, &k("bin")).await.unwrap(), Some(bytes));

    // put_new inserts only once.
    assert!(store.put_new(NS, &k("once"), b"x".to_vec(), None).await.unwrap());
    assert!(!store.put_new(NS, &k("once"), b"y".to_vec(), None).await.unwrap());
    assert_eq!(store.get(NS, &k("once")).await.unwrap().as_deref(), Some(&b"x"[..]));

    // take is get-and-delete.
    store.put(NS, &k("t"), b"v".to_vec(), None).await.unwrap();
    assert_eq!(store.take(NS, &k("t")).await.unwrap().as_deref(), Some(&b"v"[..]));
    assert_eq!(store.take(NS, &k("t")).await.unwrap(), None);

    // compare_and_swap replaces only the expected value.
    store.put(NS, &k("c"), b"old".to_vec(), None).await.unwrap();
    assert!(
        !store
            .compare_and_swap(NS, &k("c"), Swap { expected: b"other", new: b"new".to_vec(), ttl: None })
            .await
            .unwrap()
    );
    assert!(
        store.compare_and_swap(NS, &k("c"), Swap { expected: b"old", new: b"new".to_vec(), ttl: None }).await.unwrap()
    );
    assert_eq!(store.get(NS, &k("c")).await.unwrap().as_deref(), Some(&b"new"[..]));
    assert!(
        !store
            .compare_and_swap(NS, &k("missing"), Swap { expected: b"x", new: b"y".to_vec(), ttl: None })
            .await
            .unwrap()
    );

    // Concurrent take and compare_and_swap have exactly one winner.
    store.put(NS, &k("race"), b"unused".to_vec(), None).await.unwrap();
    store.put(NS, &k("race-take"), b"v".to_vec(), None).await.unwrap();
    let mut swaps = Vec::new();
    let mut takes = Vec::new();
    for i in 0..16 {
        let (s, key) = (store.clone(), k("race"));
        swaps.push(tokio::spawn(async move {
            s.compare_and_swap(NS, &key, Swap { expected: b"unused", new: format!("used-{i}").into_bytes(), ttl: None })
                .await
                .unwrap()
        }));
        let (s, key) = (store.clone(), k("race-take"));
        takes.push(tokio::spawn(async move { s.take(NS, &key).await.unwrap().is_some() }));
    }
    let mut won = (0, 0);
    for t in swaps {
        won.0 += usize::from(t.await.unwrap());
    }
    for t in takes {
        won.1 += usize::from(t.await.unwrap());
    }
    assert_eq!(won, (1, 1), "one swap and one take win");

    // list and count see the live entries of one namespace.
    let before = store.count(Namespace::Client).await.unwrap();
    store.put(Namespace::Client, &k("l1"), b"1".to_vec(), None).await.unwrap();
    store.put(Namespace::Client, &k("l2"), b"2".to_vec(), None).await.unwrap();
    assert_eq!(store.count(Namespace::Client).await.unwrap(), before + 2);
    let listed: Vec<String> = store.list(Namespace::Client).await.unwrap().into_iter().map(|(key, _)| key).collect();
    assert!(listed.contains(&k("l1")) && listed.contains(&k("l2")), "{listed:?}");

    // TTLs: values expire; put_new may then insert again; a swap sets a new TTL.
    let ttl = Some(Duration::from_secs(1));
    store.put(NS, &k("ttl"), b"v".to_vec(), ttl).await.unwrap();
    assert!(store.put_new(NS, &k("ttl-new"), b"v".to_vec(), ttl).await.unwrap());
    store.put(NS, &k("ttl-swap"), b"a".to_vec(), ttl).await.unwrap();
    assert!(
        store
            .compare_and_swap(
                NS,
                &k("ttl-swap"),
                Swap { expected: b"a", new: b"b".to_vec(), ttl: Some(Duration::from_secs(30)) }
            )
            .await
            .unwrap()
    );
    store.put(Namespace::Client, &k("ttl-list"), b"v".to_vec(), ttl).await.unwrap();
    assert_eq!(store.get(NS, &k("ttl")).await.unwrap().as_deref(), Some(&b"v"[..]));
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(store.get(NS, &k("ttl")).await.unwrap(), None, "expired");
    assert_eq!(store.take(NS, &k("ttl")).await.unwrap(), None);
    assert!(
        !store.compare_and_swap(NS, &k("ttl"), Swap { expected: b"v", new: b"w".to_vec(), ttl: None }).await.unwrap()
    );
    assert!(store.put_new(NS, &k("ttl-new"), b"again".to_vec(), None).await.unwrap(), "expired keys are free again");
    assert_eq!(store.get(NS, &k("ttl-swap")).await.unwrap().as_deref(), Some(&b"b"[..]), "swap renewed the TTL");
    assert!(!store.list(Namespace::Client).await.unwrap().iter().any(|(key, _)| *key == k("ttl-list")));
    let listed = store.list(Namespace::Client).await.unwrap().len();
    assert_eq!(store.count(Namespace::Client).await.unwrap(), listed, "count agrees with list");
}
