package dev.rotor.testsupport.kubernetes;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@link KubernetesApiServer} field of a {@code @QuarkusTest} class that {@link
 * KubernetesApiTestResource} fills in.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface InjectKubernetesApi {}
