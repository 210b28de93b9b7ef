package dev.rotor.cli.commands;

import dev.rotor.cli.CommonOptions;
import dev.rotor.cli.ExitCodes;
import dev.rotor.cli.Json;
import dev.rotor.cli.rotation.Texts;
import dev.rotor.common.plan.Policy;
import dev.rotor.common.plan.PolicyException;
import dev.rotor.common.plan.PolicyLoader;
import dev.rotor.common.plan.PolicyTarget;
import dev.rotor.common.plan.Stage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code rotorctl policy validate}: loads a policy exactly as the key-generator does and prints
 * every problem with the file, the path in the document and the line.
 */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = {
      "Check a policy file as the key-generator will at start-up: every problem is printed with"
          + " the file, the path in the document and the line. Exits 1 if there is any."
    })
public class PolicyValidateCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "<file>", description = "The policy file (YAML).")
  Path file;

  @Option(
      names = {"--output", "-o"},
      paramLabel = "text|json",
      description = "text for people (default), json for scripts.")
  CommonOptions.OutputFormat output = CommonOptions.OutputFormat.TEXT;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    boolean json = output == CommonOptions.OutputFormat.JSON;
    Policy policy;
    try {
      policy = PolicyLoader.load(file);
    } catch (PolicyException e) {
      if (json) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("file", e.source());
        report.put("valid", false);
        report.put(
            "problems",
            e.problems().stream()
                .map(
                    p -> {
                      Map<String, Object> problem = new LinkedHashMap<>();
                      problem.put("path", p.path());
                      problem.put("line", p.line() == 0 ? null : p.line());
                      problem.put("message", p.message());
                      return problem;
                    })
                .toList());
        out.println(Json.line(report));
        out.flush();
      } else {
        e.problems().forEach(p -> err.println(p.describe(e.source())));
        err.println(
            "rotorctl: ROTOR-7300 "
                + e.source()
                + ": "
                + e.problems().size()
                + " problem"
                + (e.problems().size() == 1 ? "" : "s")
                + "; the key-generator would not start with this policy");
        err.flush();
      }
      return ExitCodes.NEGATIVE;
    }
    if (json) {
      Map<String, Object> report = new LinkedHashMap<>();
      report.put("file", file.toString());
      report.put("valid", true);
      report.put("targets", policy.targetIds());
      out.println(Json.line(report));
    } else {
      out.println(
          file
              + ": valid, "
              + policy.targets().size()
              + " target"
              + (policy.targets().size() == 1 ? "" : "s"));
      for (PolicyTarget target : policy.targets()) {
        out.println("  " + target.id() + ": " + stages(target.plan().stages()));
      }
    }
    out.flush();
    return ExitCodes.OK;
  }

  private static String stages(List<Stage> stages) {
    return stages.stream()
        .map(s -> s.cluster() + " (soak " + Texts.duration(s.soak()) + ")")
        .collect(Collectors.joining(" -> "));
  }
}
