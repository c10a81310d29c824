// Every test file: `waitFor` and `findBy…` wait up to 5 s, as the machine running the suite may
// be busy (the default second was once too short for a debounce on a loaded machine).
import { configure } from '@testing-library/dom';

configure({ asyncUtilTimeout: 5_000 });
