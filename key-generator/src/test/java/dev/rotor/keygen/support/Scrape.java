package dev.rotor.keygen.support;

import static io.restassured.RestAssured.given;

import java.util.Arrays;

/** Reads the application's Prometheus endpoint as an operator's scraper does. */
public final class Scrape {
  private Scrape() {}

  /** The whole {@code /q/metrics} text. */
  public static String metrics() {
    return given().when().get("/q/metrics").then().statusCode(200).extract().asString();
  }

  /**
   * The sum of the samples of {@code name} whose labels include every {@code label="value"} given
   * (0 when there is none).
   */
  public static double value(String name, String... labels) {
    return metrics()
        .lines()
        .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
        .filter(line -> Arrays.stream(labels).allMatch(line::contains))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
        .sum();
  }
}
