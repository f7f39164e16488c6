package dev.arbiter.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.arbiter.testsupport.TestRedis;
import dev.arbiter.testsupport.TestRedis.DedicatedRedis;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Against a real Redis: commands are written only when no other command awaits its reply or after
 * the sender let the other runnable threads send theirs, so every command must still be answered (a
 * stranded one would end in the command timeout and fail these tests), and concurrent callers'
 * commands must share socket writes (counted on the connection's Netty pipeline).
 */
class FailFastRedisIntegrationTests {
  private final List<AutoCloseable> closeAfter = new ArrayList<>();
  private final String key = "test:failfast:" + UUID.randomUUID();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable closeable : closeAfter.reversed()) {
      closeable.close();
    }
  }

  private FailFastRedis connected(RedisURI uri) {
    FailFastRedis redis = new FailFastRedis(null, uri, Duration.ofSeconds(5));
    closeAfter.add(redis);
    redis.ping();
    return redis;
  }

  @Test
  void shouldAnswerEveryCommandOfOneCallerAfterAnother() {
    FailFastRedis redis = connected(TestRedis.uri());
    closeAfter.add(() -> redis.call(c -> c.del(key)));

    for (long i = 1; i <= 200; i++) {
      Long count = redis.call(c -> c.incr(key));
      assertThat(count).isEqualTo(i);
    }
  }

  @Test
  void shouldAnswerEveryCommandOfManyConcurrentVirtualAndPlatformCallers() throws Exception {
    FailFastRedis redis = connected(TestRedis.uri());
    closeAfter.add(() -> redis.call(c -> c.del(key)));
    int perCaller = 100;
    List<Future<?>> callers = new ArrayList<>();
    try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor();
        ExecutorService platform = Executors.newFixedThreadPool(4)) {
      for (int i = 0; i < 64; i++) {
        callers.add(virtual.submit(() -> increment(redis, perCaller)));
      }
      for (int i = 0; i < 4; i++) {
        callers.add(platform.submit(() -> increment(redis, perCaller)));
      }
      for (Future<?> caller : callers) {
        caller.get(); // a command left unwritten fails its caller with a timeout
      }
    }

    String count = redis.call(c -> c.get(key));
    assertThat(count).isEqualTo(Long.toString(68L * perCaller));
  }

  private Void increment(FailFastRedis redis, int times) {
    for (int i = 0; i < times; i++) {
      redis.call(c -> c.incr(key));
    }
    return null;
  }

  @Test
  void shouldWriteTheCommandsOfConcurrentCallersTogether() throws Exception {
    // counts the socket flushes of the connection: one per command when each goes out alone
    AtomicInteger flushes = new AtomicInteger();
    ClientResources resources =
        ClientResources.builder()
            .nettyCustomizer(
                new NettyCustomizer() {
                  @Override
                  public void afterChannelInitialized(Channel channel) {
                    channel
                        .pipeline()
                        .addFirst(
                            new ChannelOutboundHandlerAdapter() {
                              @Override
                              public void flush(ChannelHandlerContext ctx) {
                                flushes.incrementAndGet();
                                ctx.flush();
                              }
                            });
                  }
                })
            .build();
    closeAfter.add(() -> resources.shutdown().get());
    FailFastRedis redis = new FailFastRedis(resources, TestRedis.uri(), Duration.ofSeconds(5));
    closeAfter.add(redis);
    redis.ping();
    int callers = 400;
    int before = flushes.get();

    CountDownLatch go = new CountDownLatch(1);
    List<Future<String>> replies = new ArrayList<>();
    try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < callers; i++) {
        String value = "v" + i;
        replies.add(
            virtual.submit(
                () -> {
                  go.await();
                  return redis.call(c -> c.echo(value));
                }));
      }
      go.countDown();
      for (int i = 0; i < callers; i++) {
        assertThat(replies.get(i).get()).isEqualTo("v" + i);
      }
    }

    // every command got its own reply, and most went out in a write with others
    assertThat(flushes.get() - before).isPositive().isLessThan(callers / 2);
  }

  @Test
  void shouldFailEveryCommandInFlightOrUnwrittenAtOnceWhenRedisGoesAwayThenServeAgain()
      throws Exception {
    DedicatedRedis dedicated = TestRedis.startDedicated();
    closeAfter.add(dedicated);
    // a command left in the buffer when the connection is lost would end by this timeout
    FailFastRedis redis = new FailFastRedis(null, dedicated.uri(), Duration.ofSeconds(5));
    closeAfter.add(redis);
    redis.ping();
    AtomicInteger answered = new AtomicInteger();
    CountDownLatch busy = new CountDownLatch(2_000);

    List<Future<RedisException>> callers = new ArrayList<>();
    try (ExecutorService virtual = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < 100; i++) {
        callers.add(
            virtual.submit(
                () -> {
                  while (true) {
                    try {
                      redis.call(c -> c.incr(key));
                      answered.incrementAndGet();
                      busy.countDown();
                    } catch (RedisException e) {
                      return e;
                    }
                  }
                }));
      }
      busy.await();
      dedicated.stop(); // with commands in flight and in the buffer
      int timedOut = 0;
      for (Future<RedisException> caller : callers) {
        if (caller.get() instanceof RedisCommandTimeoutException) {
          timedOut++;
        }
      }
      // The commands the lost connection held fail with it. Lettuce checks the connection before
      // it takes its buffer's lock, so a command checked just before the loss can still reach the
      // buffer after it was emptied and end by the timeout: one caller in a rare run, never many.
      assertThat(timedOut).isLessThanOrEqualTo(2);
    }

    dedicated.start();
    redis.ping(); // a new connection, with write counts of its own
    Long count = redis.call(c -> c.incr(key));
    assertThat(count).isEqualTo(1L); // the restarted Redis kept nothing
    for (int i = 0; i < 50; i++) {
      redis.call(c -> c.incr(key));
    }
    assertThat(answered.get()).isGreaterThanOrEqualTo(2_000);
  }

  @Test
  void shouldRefuseAtOnceWhenNeverConnected() {
    FailFastRedis redis = new FailFastRedis(null, TestRedis.uri(), Duration.ofSeconds(5));
    closeAfter.add(redis);

    assertThatThrownBy(() -> redis.call(RedisAsyncCommands::ping))
        .isInstanceOf(RedisConnectionException.class)
        .hasMessageContaining("Not connected to Redis");
  }
}
