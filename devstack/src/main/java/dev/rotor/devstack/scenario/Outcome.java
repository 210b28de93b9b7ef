package dev.rotor.devstack.scenario;

import java.util.ArrayList;
import java.util.List;

/** What a scenario checked: each check with whether it held and what was seen. */
public final class Outcome {
  /** One check. */
  public record Check(boolean ok, String what) {}

  private final String scenario;
  private final List<Check> checks = new ArrayList<>();
  private String rotationId;
  private long wallMillis;

  public Outcome(String scenario) {
    this.scenario = scenario;
  }

  public String scenario() {
    return scenario;
  }

  public void rotationId(String rotationId) {
    this.rotationId = rotationId;
  }

  public String rotationId() {
    return rotationId;
  }

  public void wallMillis(long millis) {
    this.wallMillis = millis;
  }

  public long wallMillis() {
    return wallMillis;
  }

  /** Records a check; returns whether it held. */
  public boolean check(boolean ok, String what) {
    checks.add(new Check(ok, what));
    return ok;
  }

  public List<Check> checks() {
    return List.copyOf(checks);
  }

  public boolean ok() {
    return !checks.isEmpty() && checks.stream().allMatch(Check::ok);
  }
}
