/**
 * The TMF621 v5 wire contract, loaded from the published files (spec/, verbatim copies of the TM Forum OpenAPI
 * document and its conformance rules — a unit test pins their SHA-256) and compiled with ajv:
 * nothing of the schema is copied into code. The rules file adjusts two things the OpenAPI document leaves loose or
 * gets wrong for a server: the attributes a POST must carry (description, severity, ticketType — the document also
 * demands `status`, which the server sets) and the attributes a POST or PATCH must not carry (id, href, dates…).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

export const SPEC_FILE = path.join(__dirname, 'spec', 'TMF621-Trouble_Ticket-v5.0.0.oas.yaml');
export const RULES_FILE = path.join(__dirname, 'spec', 'TMF621_Trouble_Ticket.rules.yaml');

interface RulesFile {
  api: {
    basePath: string;
    resources: {
      name: string;
      supportedHttpMethods: Record<string, { parameterRestrictions?: { requiredParameters?: string[]; excludedParameters?: string[] } }>;
    }[];
  };
}

export interface ValidationProblem {
  /** JSON pointer of the offending value ('' for the body itself). */
  path: string;
  message: string;
}

export interface Tmf621Contract {
  basePath: string;
  /** The OpenAPI document as parsed (tests validate responses against `components.schemas`). */
  document: Record<string, unknown>;
  /** Problems of a POST body (TroubleTicket_FVO with the rules' required/excluded attributes); empty when valid. */
  checkCreate(body: unknown): ValidationProblem[];
  /** Problems of a PATCH body (TroubleTicket_MVO with the rules' excluded attributes). */
  checkPatch(body: unknown): ValidationProblem[];
  /** Problems of a hub registration (Hub_FVO). */
  checkHub(body: unknown): ValidationProblem[];
  /**
   * Problems of a notification sent to our listener. The event envelope is checked in full; the ticket inside may be
   * partial (only what changed), as the document's own event examples are, so its missing required attributes are
   * not held against the sender.
   */
  checkEvent(eventName: string, body: unknown): ValidationProblem[];
  /** A validator of any schema of the document by name (TroubleTicket, Error, Hub…). */
  schema(name: string): ValidateFunction;
  /** The event names the document defines a listener for (troubleTicketStatusChangeEvent…). */
  listenerEvents: string[];
}

function problems(errors: ErrorObject[] | null | undefined): ValidationProblem[] {
  return (errors ?? []).map((e) => ({
    path: e.keyword === 'required' ? `${e.instancePath}/${String((e.params as { missingProperty?: string }).missingProperty)}` : e.instancePath,
    message: e.keyword === 'required' ? 'is required' : (e.message ?? 'is invalid'),
  }));
}

function excluded(body: unknown, names: readonly string[]): ValidationProblem[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [];
  return names
    .filter((name) => name in (body as Record<string, unknown>))
    .map((name) => ({ path: `/${name}`, message: 'is set by the server and must not be sent' }));
}

let loaded: Tmf621Contract | null = null;

/** The contract, compiled once per process. */
export function tmf621Contract(): Tmf621Contract {
  if (loaded) return loaded;
  const document = parse(readFileSync(SPEC_FILE, 'utf8')) as Record<string, unknown> & {
    components: { schemas: Record<string, { allOf?: { required?: string[] }[] }> };
    paths: Record<string, unknown>;
  };
  const rules = parse(readFileSync(RULES_FILE, 'utf8')) as RulesFile;
  const resource = rules.api.resources.find((r) => r.name === 'TroubleTicket');
  if (!resource) throw new Error('TMF621 rules: no TroubleTicket resource');
  const post = resource.supportedHttpMethods.POST?.parameterRestrictions ?? {};
  const patch = resource.supportedHttpMethods.PATCH?.parameterRestrictions ?? {};

  // POST: the rules' required attributes replace the document's on the FVO's own part of its allOf.
  const forPost = structuredClone(document);
  const fvoOwnPart = forPost.components.schemas.TroubleTicket_FVO?.allOf?.find((part) => Array.isArray(part.required));
  if (!fvoOwnPart) throw new Error('TMF621 document: TroubleTicket_FVO has no required list to adjust');
  fvoOwnPart.required = [...(post.requiredParameters ?? [])];

  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('base64', /^[A-Za-z0-9+/=\s]*$/);
  ajv.addSchema(document, 'tmf621');
  ajv.addSchema(forPost, 'tmf621-post');
  const schema = (name: string, id = 'tmf621'): ValidateFunction => {
    const validate = ajv.getSchema(`${id}#/components/schemas/${name}`);
    if (!validate) throw new Error(`TMF621 document: no schema ${name}`);
    return validate;
  };
  const fvo = schema('TroubleTicket_FVO', 'tmf621-post');
  const mvo = schema('TroubleTicket_MVO');
  const hub = schema('Hub_FVO');
  const listenerEvents = Object.keys(document.paths)
    .filter((p) => p.startsWith('/listener/'))
    .map((p) => p.slice('/listener/'.length));

  loaded = {
    basePath: rules.api.basePath.replace(/\/+$/, ''),
    document,
    listenerEvents,
    schema,
    checkCreate: (body) => [...(fvo(body) ? [] : problems(fvo.errors)), ...excluded(body, post.excludedParameters ?? [])],
    checkPatch: (body) => [...(mvo(body) ? [] : problems(mvo.errors)), ...excluded(body, patch.excludedParameters ?? [])],
    checkHub: (body) => (hub(body) ? [] : problems(hub.errors)),
    checkEvent(eventName, body) {
      if (!listenerEvents.includes(eventName)) return [{ path: '', message: `no such event: ${eventName}` }];
      const validate = schema(eventName.charAt(0).toUpperCase() + eventName.slice(1));
      if (validate(body)) return [];
      return problems(validate.errors).filter((p) => !(p.message === 'is required' && /^\/event\/troubleTicket\/[^/]+$/.test(p.path)));
    },
  };
  return loaded;
}
