package dev.rotor.testsupport;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.SQLException;

/**
 * Makes a class's static state one per JVM. Quarkus loads {@code @QuarkusTest} classes and their
 * test resources in its own class loader, a new one at each application restart, while plain JUnit
 * tests use the system class loader: a static singleton alone would start one broker or database
 * server per class loader. So the static entry points of {@link KafkaBroker} and {@link
 * PostgresServer} run in the copy of their class that the system class loader holds, which lives as
 * long as the JVM. Their signatures use JDK types only, which all class loaders share.
 */
final class SystemClassLoaderCopy {

  /** The system class loader's copy, or null when the caller is that copy (or none exists). */
  private final Class<?> copy;

  private SystemClassLoaderCopy(Class<?> copy) {
    this.copy = copy;
  }

  static SystemClassLoaderCopy of(Class<?> type) {
    ClassLoader system = ClassLoader.getSystemClassLoader();
    if (type.getClassLoader() == system) {
      return new SystemClassLoaderCopy(null);
    }
    try {
      Class<?> copy = Class.forName(type.getName(), true, system);
      return new SystemClassLoaderCopy(copy == type ? null : copy);
    } catch (ClassNotFoundException e) {
      // Not on the system class path (e.g. Quarkus dev mode): this copy is the JVM's only one.
      return new SystemClassLoaderCopy(null);
    }
  }

  /** Whether calls must go to the system class loader's copy. */
  boolean isElsewhere() {
    return copy != null;
  }

  /** Calls a public static method of the copy; its exceptions pass through as they are. */
  @SuppressWarnings("unchecked")
  <T> T call(String method, Class<?>[] parameterTypes, Object... arguments) {
    try {
      return (T) invoke(method, parameterTypes, arguments);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Like {@link #call}, for methods that throw {@link SQLException}. */
  @SuppressWarnings("unchecked")
  <T> T callSql(String method, Class<?>[] parameterTypes, Object... arguments) throws SQLException {
    try {
      return (T) invoke(method, parameterTypes, arguments);
    } catch (RuntimeException | Error | SQLException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private Object invoke(String name, Class<?>[] parameterTypes, Object[] arguments)
      throws Exception {
    Method method = copy.getMethod(name, parameterTypes);
    // The servers' threads inherit the context class loader, and libraries (log4j, ServiceLoader)
    // look classes up through it: it must be the copy's, not Quarkus' short-lived one.
    Thread thread = Thread.currentThread();
    ClassLoader caller = thread.getContextClassLoader();
    thread.setContextClassLoader(copy.getClassLoader());
    try {
      return method.invoke(null, arguments);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause();
      if (cause instanceof Exception exception) {
        throw exception;
      }
      throw (Error) cause;
    } finally {
      thread.setContextClassLoader(caller);
    }
  }
}
