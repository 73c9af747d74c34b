import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';

import { registerSecret } from './secrets';

/** The password of the test .pfx files; test-only material, protects nothing. */
export const TEST_PFX_PASSWORD = 'test-only-pfx-password';

export interface PfxOptions {
	/** '' makes a .pfx whose password is empty (still encrypted, as Windows and OpenSSL do it). */
	password: string;
	/** Default 'n8n-api-connector.test'. */
	commonName?: string;
	/** Default an hour ago, so a fresh certificate is valid despite clock skew. */
	notBefore?: Date;
	/** Default a year from now. */
	notAfter?: Date;
}

export interface TestPfx {
	pfx: Buffer;
	/** What Graph's pkcs12Value expects. */
	base64: string;
	/** Upper-case hex SHA-1 of the certificate's DER, as Graph shows it. */
	thumbprint: string;
	/** The validity as written in the certificate: whole seconds. */
	notBefore: Date;
	notAfter: Date;
}

const HOUR_MS = 60 * 60 * 1000;
const YEAR_MS = 365 * 24 * HOUR_MS;

let sharedKeyPair: forge.pki.rsa.KeyPair | undefined;

/** Generating an RSA key is the slow part, so every test certificate shares one key pair. */
function keyPair(): forge.pki.rsa.KeyPair {
	sharedKeyPair ??= forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
	return sharedKeyPair;
}

/** A self-signed certificate and its private key in a password-protected PKCS #12 (.pfx) file, 3DES-encrypted. */
export function makePfx(options: PfxOptions): TestPfx {
	const certificate = selfSignedCertificate(
		options.commonName ?? 'n8n-api-connector.test',
		wholeSeconds(options.notBefore ?? new Date(Date.now() - HOUR_MS)),
		wholeSeconds(options.notAfter ?? new Date(Date.now() + YEAR_MS)),
	);
	const pkcs12 = forge.pkcs12.toPkcs12Asn1(keyPair().privateKey, [certificate], options.password, {
		algorithm: '3des',
	});
	const pfx = Buffer.from(forge.asn1.toDer(pkcs12).getBytes(), 'binary');
	registerSecret(pfx.toString('base64'));
	registerSecret(options.password);
	return {
		pfx,
		base64: pfx.toString('base64'),
		thumbprint: sha1Thumbprint(certificate),
		notBefore: certificate.validity.notBefore,
		notAfter: certificate.validity.notAfter,
	};
}

function selfSignedCertificate(
	commonName: string,
	notBefore: Date,
	notAfter: Date,
): forge.pki.Certificate {
	const { publicKey, privateKey } = keyPair();
	const certificate = forge.pki.createCertificate();
	certificate.publicKey = publicKey;
	// A random positive serial: certificates sharing a key and a name still differ, and so do their thumbprints.
	certificate.serialNumber = `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
	certificate.validity.notBefore = notBefore;
	certificate.validity.notAfter = notAfter;
	const name = [{ name: 'commonName', value: commonName }];
	certificate.setSubject(name);
	certificate.setIssuer(name);
	certificate.sign(privateKey, forge.md.sha256.create());
	return certificate;
}

/** Certificates store validity in whole seconds; rounding first makes the returned dates equal the stored ones. */
function wholeSeconds(date: Date): Date {
	return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

/** Computed by Node (OpenSSL), not node-forge, so tests cross-check the emulator's forge-based reading. */
function sha1Thumbprint(certificate: forge.pki.Certificate): string {
	return new X509Certificate(forge.pki.certificateToPem(certificate)).fingerprint.replace(/:/g, '');
}
