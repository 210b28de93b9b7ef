/**
 * The Kubernetes API for tests and the devstack, without a cluster: fabric8's mock server in CRUD
 * mode with what it lacks added ({@link dev.rotor.testsupport.kubernetes.KubernetesApiDispatcher}:
 * server-side apply with field ownership and conflicts, strategic-merge and RFC 7386 merge patches,
 * injected faults, dropped watches), the Deployment controller ({@link
 * dev.rotor.testsupport.kubernetes.RolloutSimulator}) and the sealed-secrets controller ({@link
 * dev.rotor.testsupport.kubernetes.SealedSecretsController}), behind one facade ({@link
 * dev.rotor.testsupport.kubernetes.KubernetesApiServer}) and a Quarkus test resource ({@link
 * dev.rotor.testsupport.kubernetes.KubernetesApiTestResource}).
 */
package dev.rotor.testsupport.kubernetes;
