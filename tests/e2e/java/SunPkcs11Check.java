// Java 17 SunPKCS11 against libnethsm_pkcs11.so (issue 6 acceptance): lists the
// PKCS#11 KeyStore, signs with every key entry through the module (SHA256withRSA or
// SHA256withECDSA; SunPKCS11 signs multi-part with C_SignUpdate) and verifies each
// signature with Java's own software provider, then checks that the expected
// aliases are listed. With -Dhsm.verify=true it also verifies through the module
// (SunPKCS11 then creates a session public-key object from the certificate).
// Usage: java SunPkcs11Check.java <sunpkcs11.cfg> <pin> <expected alias>...
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.Signature;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

public class SunPkcs11Check {
  static void check(boolean ok, String message) {
    if (!ok) throw new AssertionError(message);
  }

  public static void main(String[] args) throws Exception {
    Provider p11 = Security.getProvider("SunPKCS11").configure(args[0]);
    Security.addProvider(p11);
    KeyStore ks = KeyStore.getInstance("PKCS11", p11);
    ks.load(null, args[1].toCharArray());
    List<String> aliases = Collections.list(ks.aliases());
    System.out.println("aliases: " + aliases);
    byte[] data = new byte[5000];
    new java.security.SecureRandom().nextBytes(data);
    List<String> signed = new ArrayList<>();
    for (String alias : aliases) {
      if (!ks.isKeyEntry(alias)) continue;
      PrivateKey key = (PrivateKey) ks.getKey(alias, null);
      Certificate cert = ks.getCertificate(alias);
      check(cert != null, "no certificate for " + alias);
      String algorithm = key.getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
      Signature signer = Signature.getInstance(algorithm, p11);
      signer.initSign(key);
      for (int off = 0; off < data.length; off += 1000) signer.update(data, off, 1000);
      byte[] sig = signer.sign();
      Signature software = Signature.getInstance(algorithm);  // SunRsaSign / SunEC
      check(software.getProvider() != p11, "software verifier expected");
      software.initVerify(cert.getPublicKey());
      software.update(data);
      check(software.verify(sig), alias + ": signature does not verify");
      data[0] ^= 1;
      software.initVerify(cert.getPublicKey());
      software.update(data);
      check(!software.verify(sig), alias + ": changed message verified");
      data[0] ^= 1;
      if (Boolean.getBoolean("hsm.verify")) {
        Signature hsm = Signature.getInstance(algorithm, p11);
        hsm.initVerify(cert.getPublicKey());
        hsm.update(data);
        check(hsm.verify(sig), alias + ": C_Verify failed");
      }
      signed.add(algorithm);
      System.out.println("OK " + alias + " " + algorithm + " (" + sig.length + "-byte signature)");
    }
    check(signed.contains("SHA256withRSA"), "no RSA key entry signed");
    check(signed.contains("SHA256withECDSA"), "no EC key entry signed");
    for (int i = 2; i < args.length; i++) {
      check(aliases.contains(args[i]), "alias " + args[i] + " not listed");
      check(ks.getCertificate(args[i]) != null, "alias " + args[i] + " has no certificate");
    }
  }
}
