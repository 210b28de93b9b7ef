package dev.rotor.deploy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The Secrets docs/deploy.md tells operators to create: its "Secrets" table, name → keys. */
final class Secrets {
  private Secrets() {}

  static Map<String, List<String>> documented() {
    String doc = Repo.read(Repo.ROOT.resolve("docs/deploy.md"));
    int start = doc.indexOf("\n## Secrets");
    if (start < 0) {
      throw new AssertionError("docs/deploy.md has no \"## Secrets\" section");
    }
    int end = doc.indexOf("\n## ", start + 1);
    String section = doc.substring(start, end < 0 ? doc.length() : end);
    Map<String, List<String>> secrets = new LinkedHashMap<>();
    Pattern ticked = Pattern.compile("`([^`]+)`");
    for (String line : section.lines().toList()) {
      String[] cells = line.split("\\|");
      if (!line.startsWith("|") || cells.length < 3) {
        continue;
      }
      Matcher name = ticked.matcher(cells[1]);
      if (!name.find()) {
        continue;
      }
      List<String> keys = ticked.matcher(cells[2]).results().map(r -> r.group(1)).toList();
      secrets.put(name.group(1), keys);
    }
    return secrets;
  }
}
