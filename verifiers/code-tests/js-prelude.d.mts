/** Source of the guest prelude (see js-prelude.mjs). */
export declare const JS_PRELUDE: string
