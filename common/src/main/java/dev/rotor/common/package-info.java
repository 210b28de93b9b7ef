/** Types shared by every Rotor service. */
package dev.rotor.common;
