//! Webhook delivery: the dispatcher that turns outbox events into HTTP POSTs to subscribed
//! receivers, with Leap's envelope, timeout and retry schedule. (Filled in by issue 4.)
