package dev.rotor.ledger.store;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What the database itself enforces, as seen from the service's own connection: whether its role
 * could change the append-only tables, and whether their refusing triggers are still {@code ENABLE
 * ALWAYS}.
 */
@ApplicationScoped
public class DatabaseGuards {
  /** The append-only tables. */
  public static final List<String> APPEND_ONLY = List.of("entries", "checkpoints");

  /** The triggers that refuse changes, each expected in state {@code A} (ENABLE ALWAYS). */
  public static final List<String> TRIGGERS =
      List.of(
          "entries_refuse_update_delete",
          "entries_refuse_truncate",
          "checkpoints_refuse_update_delete",
          "checkpoints_refuse_truncate");

  @Inject AgroalDataSource dataSource;

  @ConfigProperty(name = "quarkus.hibernate-orm.database.default-schema", defaultValue = "ledger")
  String schema;

  /** Why the service's role is more than append-only; empty when it is not. */
  public List<String> appendOnlyProblems() {
    List<String> problems = new ArrayList<>();
    String sql =
        // MEMBER, not ownership alone: a role granted the owner role (even NOINHERIT, which
        // hides the privileges until SET ROLE) can become the owner and change the ledger.
        "SELECT c.relname, pg_has_role(current_user, c.relowner, 'MEMBER'),"
            + " has_table_privilege(c.oid, 'UPDATE'), has_table_privilege(c.oid, 'DELETE'),"
            + " has_table_privilege(c.oid, 'TRUNCATE'), current_user,"
            + " pg_get_userbyid(c.relowner) = current_user, pg_get_userbyid(c.relowner)"
            + " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = ? AND c.relname = ANY (?) ORDER BY c.relname";
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, schema);
      statement.setArray(2, connection.createArrayOf("text", APPEND_ONLY.toArray()));
      int tables = 0;
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          tables++;
          String table = schema + "." + rows.getString(1);
          String role = rows.getString(6);
          if (rows.getBoolean(7)) {
            problems.add(role + " owns " + table);
          } else if (rows.getBoolean(2)) {
            problems.add(role + " is a member of " + rows.getString(8) + ", the owner of " + table);
          }
          List<String> may = new ArrayList<>();
          for (int i = 3; i <= 5; i++) {
            if (rows.getBoolean(i)) {
              may.add(List.of("UPDATE", "DELETE", "TRUNCATE").get(i - 3));
            }
          }
          if (!may.isEmpty()) {
            problems.add(role + " may " + String.join(", ", may) + " " + table);
          }
        }
      }
      if (tables != APPEND_ONLY.size()) {
        problems.add("cannot see the ledger's tables in schema " + schema);
      }
      schemaOwnership(connection, problems);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot check the ledger's privileges (SQLState " + e.getSQLState() + ")", e);
    }
    return problems;
  }

  /**
   * The owner of a schema may drop any table in it, and DROP fires no row or TRUNCATE trigger: a
   * role that owns the schema (or may become its owner) could drop the ledger and create another.
   */
  private void schemaOwnership(Connection connection, List<String> problems) throws SQLException {
    try (PreparedStatement statement =
        connection.prepareStatement(
            "SELECT pg_get_userbyid(n.nspowner) = current_user,"
                + " pg_has_role(current_user, n.nspowner, 'MEMBER'), current_user,"
                + " pg_get_userbyid(n.nspowner) FROM pg_namespace n WHERE n.nspname = ?")) {
      statement.setString(1, schema);
      try (ResultSet rows = statement.executeQuery()) {
        if (rows.next()) {
          String role = rows.getString(3);
          if (rows.getBoolean(1)) {
            problems.add(role + " owns schema " + schema + ", so it may drop the ledger's tables");
          } else if (rows.getBoolean(2)) {
            problems.add(
                role
                    + " is a member of "
                    + rows.getString(4)
                    + ", the owner of schema "
                    + schema
                    + ", so it may drop the ledger's tables");
          }
        }
      }
    }
  }

  /** The refusing triggers that are missing or not in state ENABLE ALWAYS. */
  public List<String> triggersNotAlwaysEnabled() {
    String sql =
        "SELECT t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            + " JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE n.nspname = ? AND NOT t.tgisinternal";
    List<String> wrong = new ArrayList<>(TRIGGERS);
    try (Connection connection = dataSource.getConnection();
        PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, schema);
      try (ResultSet rows = statement.executeQuery()) {
        while (rows.next()) {
          if ("A".equals(rows.getString(2))) {
            wrong.remove(rows.getString(1));
          }
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot read the ledger's triggers (SQLState " + e.getSQLState() + ")", e);
    }
    return wrong;
  }
}
