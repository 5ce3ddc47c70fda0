//! Which side of a comparison goes first in each round: the side measured second meets a
//! machine the first one warmed (or tired), so the order alternates.

/// Which side a round measures first.
#[derive(Clone, Copy)]
pub enum Order {
    DirectFirst,
    GatewayFirst,
}

impl Order {
    /// Alternating from one round to the next, starting with direct.
    pub fn of_round(round: usize) -> Self {
        match round % 2 {
            0 => Self::DirectFirst,
            _ => Self::GatewayFirst,
        }
    }

    /// Runs the direct and the gateway measurement one after the other, in this order.
    pub async fn run<D, G>(
        self,
        direct: impl std::future::Future<Output = anyhow::Result<D>>,
        through: impl std::future::Future<Output = anyhow::Result<G>>,
    ) -> anyhow::Result<(D, G)> {
        Ok(match self {
            Self::DirectFirst => {
                let direct = direct.await?;
                (direct, through.await?)
            }
            Self::GatewayFirst => {
                let through = through.await?;
                (direct.await?, through)
            }
        })
    }
}
