//! Following the server's live events (Server-Sent Events): the rating terminal wakes on
//! `rating_invited` for its counter; the display's board ([`crate::board`]) is fetched again on every event.

use std::io::{BufRead, BufReader};

use domain::event::Event;

use crate::client::{Client, ClientError};

/// Reads one SSE stream until it ends or fails, calling `on` for every event; `last_id` is kept up to
/// date so that the caller can reconnect and resume without missing or repeating an event.
pub fn follow(client: &Client, last_id: &mut Option<u64>, on: impl FnMut(Event)) -> Result<(), ClientError> {
    follow_watched(client, last_id, || true, on)
}

/// [`follow`], calling `alive` once connected and then for every line the server sends (events and
/// keep-alive comments alike), so the caller can tell a live stream from a silent one; the stream is
/// left as soon as `alive` returns false.
pub fn follow_watched(
    client: &Client,
    last_id: &mut Option<u64>,
    mut alive: impl FnMut() -> bool,
    mut on: impl FnMut(Event),
) -> Result<(), ClientError> {
    let response = client.event_stream(*last_id)?;
    if !alive() {
        return Ok(());
    }
    let mut data = String::new();
    let mut id = None;
    for line in BufReader::new(response).lines() {
        let line = line.map_err(|e| ClientError::Unreachable(e.to_string()))?;
        if !alive() {
            return Ok(());
        }
        if line.is_empty() {
            if !data.is_empty() {
                if let Ok(event) = serde_json::from_str::<Event>(&data) {
                    *last_id = Some(event.seq);
                    on(event);
                } else if let Some(i) = id {
                    *last_id = Some(i);
                }
            }
            data.clear();
            id = None;
        } else if let Some(d) = line.strip_prefix("data:") {
            if !data.is_empty() {
                data.push('\n');
            }
            data.push_str(d.strip_prefix(' ').unwrap_or(d));
        } else if let Some(i) = line.strip_prefix("id:") {
            id = i.trim().parse().ok();
        }
    }
    Ok(())
}
