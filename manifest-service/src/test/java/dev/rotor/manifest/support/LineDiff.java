package dev.rotor.manifest.support;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.diff.Edit;
import org.eclipse.jgit.diff.EditList;
import org.eclipse.jgit.diff.HistogramDiff;
import org.eclipse.jgit.diff.RawText;
import org.eclipse.jgit.diff.RawTextComparator;

/** The lines a change removed and added, as Git's own diff sees them (histogram diff). */
public record LineDiff(List<String> removed, List<String> added) {

  public static LineDiff of(String before, String after) {
    return of(before.getBytes(StandardCharsets.UTF_8), after.getBytes(StandardCharsets.UTF_8));
  }

  public static LineDiff of(byte[] before, byte[] after) {
    RawText a = new RawText(before);
    RawText b = new RawText(after);
    EditList edits = new HistogramDiff().diff(RawTextComparator.DEFAULT, a, b);
    List<String> removed = new ArrayList<>();
    List<String> added = new ArrayList<>();
    for (Edit edit : edits) {
      for (int i = edit.getBeginA(); i < edit.getEndA(); i++) {
        removed.add(a.getString(i));
      }
      for (int i = edit.getBeginB(); i < edit.getEndB(); i++) {
        added.add(b.getString(i));
      }
    }
    return new LineDiff(removed, added);
  }
}
