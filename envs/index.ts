/** Importing this module registers every built-in environment. */
import './classic/index.ts';
import './dao/index.ts';
