package io.ringkv.http;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4 (the grammar of
 * https://prometheus.io/docs/instrumenting/exposition_formats/), for tests: the Java library writes
 * this format but ships no reader. Every line must be a comment, a HELP/TYPE line or a sample; every
 * sample must belong to a family declared by a TYPE line before it (with the _count/_sum/_bucket/_total
 * suffixes its type allows, e.g. a summary's _count and _sum); names and label names must be valid; values must parse as floats; a
 * family's TYPE may appear only once. Any violation throws with the line.
 */
public final class PrometheusTextCheck {
  private static final String NAME = "[a-zA-Z_:][a-zA-Z0-9_:]*";
  private static final Pattern TYPE = Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
  private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") .*");
  private static final Pattern SAMPLE = Pattern.compile(
      "(" + NAME + ")(\\{(.*)})? (\\S+)( -?[0-9]+)?");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"(,|$)");

  /** @param types family name to type; @param samples "name{l=v,...}" (labels sorted) to value */
  public record Scrape(Map<String, String> types, Map<String, Double> samples) {
    /** The value of the sample with this name and these label pairs (all its labels), or null. */
    public Double sample(String name, String... labelPairs) {
      Map<String, String> labels = new java.util.TreeMap<>();
      for (int i = 0; i < labelPairs.length; i += 2) {
        labels.put(labelPairs[i], labelPairs[i + 1]);
      }
      return samples.get(key(name, labels));
    }
  }

  private PrometheusTextCheck() {}

  static String key(String name, Map<String, String> labels) {
    StringBuilder b = new StringBuilder(name).append('{');
    labels.forEach((k, v) -> b.append(k).append('=').append(v).append(','));
    return b.append('}').toString();
  }

  public static Scrape parse(String text) {
    Map<String, String> types = new LinkedHashMap<>();
    Map<String, Double> samples = new HashMap<>();
    int lineNo = 0;
    for (String line : text.split("\n", -1)) {
      lineNo++;
      if (line.isEmpty()) {
        continue;
      }
      Matcher m;
      if (line.startsWith("# TYPE ")) {
        m = TYPE.matcher(line);
        require(m.matches(), lineNo, line, "a malformed TYPE line");
        require(types.put(m.group(1), m.group(2)) == null, lineNo, line, "a second TYPE for " + m.group(1));
      } else if (line.startsWith("# HELP ")) {
        require(HELP.matcher(line).matches(), lineNo, line, "a malformed HELP line");
      } else if (line.startsWith("#")) {
        continue;
      } else {
        m = SAMPLE.matcher(line);
        require(m.matches(), lineNo, line, "not a sample line");
        String name = m.group(1);
        require(familyOf(name, types) != null, lineNo, line, "a sample of no TYPEd family");
        Map<String, String> labels = new java.util.TreeMap<>();
        String body = m.group(3);
        if (body != null && !body.isEmpty()) {
          Matcher l = LABEL.matcher(body);
          int at = 0;
          while (at < body.length()) {
            require(l.find(at) && l.start() == at, lineNo, line, "malformed labels");
            require(labels.put(l.group(1), l.group(2)) == null, lineNo, line, "a repeated label");
            at = l.end();
          }
        }
        double value;
        try {
          value = switch (m.group(4)) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            case "NaN" -> Double.NaN;
            default -> Double.parseDouble(m.group(4));
          };
        } catch (NumberFormatException e) {
          throw new AssertionError("line " + lineNo + ": the value is not a float: " + line);
        }
        require(samples.put(key(name, labels), value) == null, lineNo, line, "a repeated sample");
      }
    }
    return new Scrape(types, samples);
  }

  /** The family a sample name belongs to: itself, or itself less a suffix its family's type allows. */
  private static String familyOf(String sample, Map<String, String> types) {
    if (types.containsKey(sample)) {
      return sample; // e.g. "# TYPE x_total counter" then "x_total 3", or a summary's quantiles
    }
    for (String suffix : new String[] {"_total", "_created", "_count", "_sum", "_bucket"}) {
      if (sample.endsWith(suffix)) {
        String family = sample.substring(0, sample.length() - suffix.length());
        String t = types.get(family);
        if (t == null) {
          continue;
        }
        boolean allowed = switch (suffix) {
          case "_total", "_created" -> t.equals("counter");
          case "_count", "_sum" -> t.equals("summary") || t.equals("histogram");
          default -> t.equals("histogram");
        };
        if (allowed) {
          return family;
        }
      }
    }
    return null;
  }

  private static void require(boolean ok, int lineNo, String line, String what) {
    if (!ok) {
      throw new AssertionError("line " + lineNo + " is " + what + ": " + line);
    }
  }
}
