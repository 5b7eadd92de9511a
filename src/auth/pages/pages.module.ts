import { DynamicModule, Module } from '@nestjs/common';
import { PagesController } from './pages.controller';
import { PAGES_OPTIONS, PagesOptions } from './pages.options';

/** `/account`, `/account/reset-password` and `/admin`: on with `AuthModule.forRoot({ routes: { pages: true } })`. */
@Module({})
export class AuthPagesModule {
  static register(options: PagesOptions, ...imports: DynamicModule[]): DynamicModule {
    return {
      module: AuthPagesModule,
      imports,
      providers: [{ provide: PAGES_OPTIONS, useValue: options }],
      controllers: [PagesController],
    };
  }
}
