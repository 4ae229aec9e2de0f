package io.ringkv.node;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/** For tests on real nodes: runs a task on a node's core thread (where membership state lives) and waits. */
final class OnCore {
  private OnCore() {}

  static <T> T call(RingNode node, Supplier<T> task) throws InterruptedException {
    CompletableFuture<T> f = new CompletableFuture<>();
    node.core().execute(() -> {
      try {
        f.complete(task.get());
      } catch (RuntimeException e) {
        f.completeExceptionally(e);
      }
    });
    try {
      return f.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (RuntimeException) e.getCause();
    } catch (TimeoutException e) {
      throw new IllegalStateException("the node's core thread did not answer in 30 s");
    }
  }
}
