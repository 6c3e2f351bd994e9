//! Running as a service: systemd notifications, privilege drop, the health
//! endpoint and the `sensor-health` detector.

pub mod health;
pub mod metrics;
pub mod notify;
pub mod privdrop;
