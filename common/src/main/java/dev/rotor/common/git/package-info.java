/**
 * Git over SSH for the services that use Git (manifest-service, cluster-agent): JGit's Apache MINA
 * sshd transport, configured from a private key file, an optional passphrase file and one
 * known_hosts file, with strict host key checking and public-key authentication only. Nothing of
 * the process user's {@code ~/.ssh} (keys, known_hosts, config) and no ssh-agent is ever used.
 *
 * <p>JGit and sshd are optional dependencies of {@code common}: a service that uses this package
 * declares {@code org.eclipse.jgit:org.eclipse.jgit.ssh.apache} itself.
 */
package dev.rotor.common.git;
