package io.rill.bench.contender;

import java.util.List;

/** Who runs, in this order: the anchor first (every ratio is taken against it). */
public final class Contenders {

    private Contenders() {
    }

    /** @param batch the COUNT every contender reads with */
    public static List<Contender> all(int batch) {
        return List.of(
                new PlainLettuceLoop(batch),
                new SpringContainer(SpringContainer.Ack.PER_MESSAGE, batch),
                new SpringContainer(SpringContainer.Ack.AUTO_ACK, batch),
                new RillSubscription("Rill, journal off", "", batch, options -> options));
    }
}
