import { createHash } from 'node:crypto';
import forge from 'node-forge';

import { GraphError } from './graph-common';
import type { CertificateDetails } from './state';

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

// Assumed wording: Microsoft documents that an upload needs the .pfx and its password, not how Graph refuses a bad one.
const NOT_PKCS12 = 'The pkcs12Value is not a valid PKCS 12 (.pfx) file.';
const WRONG_PASSWORD = 'The password does not match the PKCS 12 (.pfx) file.';
const NO_CERTIFICATE = 'The PKCS 12 (.pfx) file contains no certificate.';
const NO_PRIVATE_KEY = 'The PKCS 12 (.pfx) file contains no private key.';
const NO_CERTIFICATE_FOR_KEY = 'No certificate in the PKCS 12 (.pfx) file matches its private key.';

/** node-forge tells a wrong password only by its messages: the MAC does not verify, or the contents do not decrypt. */
const FORGE_WRONG_PASSWORD = /MAC could not be verified|wrong password|Failed to decrypt/i;

/**
 * What Graph shows of an uploaded .pfx: the certificate that goes with its private key (the file may carry
 * a chain too). Anything that cannot be used answers 400; nothing of the file or the password is kept.
 */
export function readPkcs12Certificate(pkcs12Value: string, password: string): CertificateDetails {
	// A digest, so that nothing of the file or the password is kept.
	const key = createHash('sha256')
		.update(password)
		.update('\u0000')
		.update(pkcs12Value)
		.digest('hex');
	const known = readCertificates.get(key);
	if (known) return { ...known };
	const certificate = certificateOfPrivateKey(openPfx(decodePfx(pkcs12Value), password));
	const details = {
		thumbprint: sha1Thumbprint(certificate),
		notBefore: certificate.validity.notBefore,
		notAfter: certificate.validity.notAfter,
	};
	if (readCertificates.size >= READ_CERTIFICATES_KEPT) {
		readCertificates.delete(readCertificates.keys().next().value as string);
	}
	readCertificates.set(key, details);
	return { ...details };
}

/**
 * Opening a .pfx takes some 30 ms of the one thread that answers every request, so the few a run uploads
 * again and again are opened once (the fault run's batches of uploads would otherwise hold other answers
 * past their timeout: a slowness that is the emulator's, not Graph's).
 */
const readCertificates = new Map<string, CertificateDetails>();
const READ_CERTIFICATES_KEPT = 32;

/** Assumed code: Request_BadRequest, as the directory behind identityApiConnector answers bad input. */
function rejected(message: string): GraphError {
	return new GraphError(400, 'Request_BadRequest', message);
}

function decodePfx(pkcs12Value: string): forge.asn1.Asn1 {
	if (!BASE64.test(pkcs12Value)) throw rejected(NOT_PKCS12);
	try {
		// Not strict: .pfx files from Windows and other tools are often BER (indefinite lengths), not DER.
		return forge.asn1.fromDer(Buffer.from(pkcs12Value, 'base64').toString('binary'), false);
	} catch {
		throw rejected(NOT_PKCS12);
	}
}

function openPfx(asn1: forge.asn1.Asn1, password: string): forge.pkcs12.Pkcs12Pfx {
	try {
		return forge.pkcs12.pkcs12FromAsn1(asn1, false, password);
	} catch (error) {
		throw rejected(
			FORGE_WRONG_PASSWORD.test((error as Error).message) ? WRONG_PASSWORD : NOT_PKCS12,
		);
	}
}

/**
 * Limitation: node-forge reads RSA keys and certificates only, so a .pfx of another key type reads as
 * having no private key (or no certificate) here.
 */
function certificateOfPrivateKey(pfx: forge.pkcs12.Pkcs12Pfx): forge.pki.Certificate {
	const certificates = bagsOfType(pfx, forge.pki.oids.certBag).flatMap((bag) => bag.cert ?? []);
	if (certificates.length === 0) throw rejected(NO_CERTIFICATE);
	const keys = [forge.pki.oids.pkcs8ShroudedKeyBag, forge.pki.oids.keyBag]
		.flatMap((type) => bagsOfType(pfx, type))
		.flatMap((bag) => bag.key ?? []);
	if (keys.length === 0) throw rejected(NO_PRIVATE_KEY);
	const certificate = certificates.find((candidate) =>
		keys.some((key) => isPublicKeyOf(candidate.publicKey, key)),
	);
	if (!certificate) throw rejected(NO_CERTIFICATE_FOR_KEY);
	return certificate;
}

function bagsOfType(pfx: forge.pkcs12.Pkcs12Pfx, bagType: string): forge.pkcs12.Bag[] {
	return pfx.getBags({ bagType })[bagType] ?? [];
}

function isPublicKeyOf(
	publicKey: forge.pki.PublicKey,
	privateKey: forge.pki.rsa.PrivateKey,
): boolean {
	return 'n' in publicKey && publicKey.n.equals(privateKey.n) && publicKey.e.equals(privateKey.e);
}

function sha1Thumbprint(certificate: forge.pki.Certificate): string {
	const der = Buffer.from(
		forge.asn1.toDer(forge.pki.certificateToAsn1(certificate)).getBytes(),
		'binary',
	);
	return createHash('sha1').update(der).digest('hex').toUpperCase();
}
