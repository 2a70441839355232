//! One file per rule. Each defines its [`Rule`](super::Rule) as `RULE` and
//! the function that checks it.

pub mod xb001;
pub mod xb002;
pub mod xb003;
pub mod xb004;
pub mod xb005;
pub mod xb006;
pub mod xb007;
pub mod xb008;
pub mod xb009;
pub mod xb010;
