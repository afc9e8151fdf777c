//! What one batch costs each end, without storage: the office building, signing and packing 500
//! events; the central reading the body, checking the signature and the whole chain, and judging it.
//! Events are sized like real `ticket_issued` rows (≈ 400-byte body).
//!
//! `cargo bench -p sync --bench batch` (docs/PERFORMANCE.md turns the times into events per second).

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use sync::batch::signing_key;
use sync::{chain_hash, judge, Batch, EventRecord, Held, SignedBatch, GENESIS_HASH};
use uuid::Uuid;

const EVENTS: u64 = 500;

fn log() -> Vec<EventRecord> {
    let mut prev = GENESIS_HASH.to_string();
    (1..=EVENTS)
        .map(|seq| {
            let id = Uuid::from_u128(u128::from(seq) * 7919).to_string();
            let at = format!("2026-12-04T01:{:02}:{:02}.{:06}Z", seq / 60 % 60, seq % 60, seq * 37 % 1_000_000);
            let actor = format!("{{\"kind\":\"device\",\"device_id\":\"{}\"}}", Uuid::from_u128(42));
            let body = format!(
                "{{\"type\":\"ticket_issued\",\"ticket\":\"{id}\",\"service\":\"ho-tich\",\"letter\":\"A\",\"number\":{seq},\
                 \"label\":\"A{seq:03}\",\"day\":\"2026-12-04\",\"priority\":\"none\",\"issued_at\":\"{at}\",\
                 \"idempotency_key\":\"{}\",\"lease\":null,\"device\":\"{}\",\"procedure\":\"1.001193.000.00.00.H29\"}}",
                Uuid::from_u128(u128::from(seq) * 104_729),
                Uuid::from_u128(42)
            );
            let hash = chain_hash(&prev, seq, &id, &at, &actor, &body);
            prev = hash.clone();
            EventRecord { seq, id, at, actor, kind: "ticket_issued".into(), body, hash }
        })
        .collect()
}

struct Empty;

impl Held for Empty {
    fn last_seq(&self) -> u64 {
        0
    }
    fn hash_at(&self, _: u64) -> Option<String> {
        None
    }
}

fn bench(c: &mut Criterion) {
    let key = signing_key(&[5; 32]);
    let public = key.verifying_key();
    let events = log();
    let office = Uuid::from_u128(1);
    let mut group = c.benchmark_group("batch_500");
    group.throughput(Throughput::Elements(EVENTS));
    group.bench_function("office_build_sign_pack", |b| {
        b.iter(|| {
            let batch = Batch::new(office, GENESIS_HASH, black_box(events.clone()), "2026-12-04T09:00:00Z").unwrap();
            batch.sign(&key).to_body()
        })
    });
    let (body, compressed) =
        Batch::new(office, GENESIS_HASH, events.clone(), "2026-12-04T09:00:00Z").unwrap().sign(&key).to_body();
    eprintln!("body: {} bytes for {EVENTS} events, compressed: {compressed}", body.len());
    group.bench_function("central_read_verify_judge", |b| {
        b.iter(|| {
            let signed = SignedBatch::from_body(black_box(&body), compressed).unwrap();
            let batch = signed.verify(&public).unwrap();
            judge(&Empty, batch)
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
