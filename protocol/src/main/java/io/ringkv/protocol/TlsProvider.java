package io.ringkv.protocol;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import java.util.Locale;

/**
 * Which TLS implementation Netty's {@code SslHandler} uses, for the node ({@code --tls-provider}) and the
 * Java client (system property {@value #PROPERTY}, or {@code ClientTls.withProvider}); one choice for both
 * sides so that they stay alike.
 *
 * <p>{@link #OPENSSL} is BoringSSL through {@code netty-tcnative-boringssl-static}, whose linux-x86_64
 * native library ringkv ships; {@link #JDK} is the JDK's own {@code SSLEngine}. With TLS on every client
 * and internode connection, each request pays encryption several times (client to coordinator, coordinator
 * to each replica), and the JDK engine costs more CPU per record than BoringSSL's native code (figures:
 * bench/results/tls-2026-12-03.md). {@link #AUTO} (the default) takes OpenSSL when its
 * native library loads on this platform, else the JDK. Both accept the same PEM files and offer the same
 * protocols, so nodes with different providers talk to each other.
 */
public enum TlsProvider {
  /** OpenSSL when {@link OpenSsl#isAvailable()}, else the JDK (the default). */
  AUTO,
  /** OpenSSL (BoringSSL) only: refuses to start when the native library does not load. */
  OPENSSL,
  /** The JDK's TLS. */
  JDK;

  /** The client's system property ({@code -Dringkv.tls.provider=jdk}); unset means {@link #AUTO}. */
  public static final String PROPERTY = "ringkv.tls.provider";

  /** The flag's spelling: {@code auto}, {@code openssl} or {@code jdk}. */
  public String flag() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses {@code auto}, {@code openssl} or {@code jdk} (any case; null or blank is {@link #AUTO});
   * {@code what} names the setting in the error, e.g. {@code --tls-provider}.
   */
  public static TlsProvider parse(String s, String what) {
    if (s == null || s.isBlank()) {
      return AUTO;
    }
    for (TlsProvider p : values()) {
      if (p.flag().equals(s.trim().toLowerCase(Locale.ROOT))) {
        return p;
      }
    }
    throw new IllegalArgumentException(what + " must be auto, openssl or jdk, got '" + s + "'");
  }

  /** The provider the system property {@value #PROPERTY} names ({@link #AUTO} when unset). */
  public static TlsProvider fromSystemProperty() {
    return parse(System.getProperty(PROPERTY), "-D" + PROPERTY);
  }

  /**
   * Netty's provider for this choice on this machine; throws {@link IllegalArgumentException} with
   * OpenSSL's reason when {@link #OPENSSL} is asked for and its native library does not load.
   */
  public SslProvider resolve() {
    return switch (this) {
      case JDK -> SslProvider.JDK;
      case OPENSSL -> {
        if (!OpenSsl.isAvailable()) {
          throw new IllegalArgumentException("TLS provider openssl is not available here: "
              + unavailableReason() + " (use auto or jdk)");
        }
        yield SslProvider.OPENSSL;
      }
      case AUTO -> OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
    };
  }

  /**
   * One phrase for a log line: what {@link #resolve()} picks and why, e.g. {@code OpenSSL (BoringSSL;
   * --tls-provider auto)} or {@code JDK (--tls-provider auto; OpenSSL not available: ...)}; {@code what}
   * names the setting.
   */
  public String describe(String what) {
    String setting = what + " " + flag();
    if (resolve() == SslProvider.OPENSSL) {
      return "OpenSSL (" + OpenSsl.versionString() + "; " + setting + ")";
    }
    return this == AUTO ? "JDK (" + setting + "; OpenSSL not available: " + unavailableReason() + ")"
        : "JDK (" + setting + ")";
  }

  private static String unavailableReason() {
    Throwable t = OpenSsl.unavailabilityCause();
    return t == null ? "unknown reason" : t.toString();
  }
}
